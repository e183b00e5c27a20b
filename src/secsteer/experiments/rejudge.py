"""Judge a finished run's completions again with today's judge, into a new run directory.

When the judge changes (a scenario's test, an analyzer rule), the completions a sweep stored are still
good: only their verdicts are stale. `rejudge` copies every finished unit's completions into a new run
folder and judges them there, without loading the model; the old folder is never written to.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from secsteer.experiments.plan import plan_units
from secsteer.experiments.runner import finish_cells, select_scenarios
from secsteer.experiments.spec import spec_from_dict
from secsteer.experiments.store import RunStore


def rejudge(run: str | Path, out: str | Path, show_progress: bool = True) -> RunStore:
    """Judge the completions of `run`'s finished units again into `out` (which must not hold a run)."""
    from tqdm.auto import tqdm

    from secsteer.experiments.executors.judging import judge
    from secsteer.experiments.executors.work import judge_job

    old, new = RunStore(run), RunStore(out)
    record = old.run_record()
    if new.run_path.exists():
        raise FileExistsError(f"{out} already holds a run; rejudge writes a new folder, never over results")
    spec = spec_from_dict(record["spec"], f"{old.run_path} spec")
    scenarios = select_scenarios(spec)
    rows_of: dict[str, list[dict[str, Any]]] = {}
    for sample in old.samples():
        rows_of.setdefault(sample["unit"], []).append(sample)
    units = [u for u in plan_units(spec, scenarios) if u.id in rows_of]
    if not units:
        raise ValueError(f"{run} has no finished units to judge")
    new.open(spec.to_json(), spec.digest())
    note = {"rejudged_from": str(run), "from_spec_digest": record.get("spec_digest"),
            "from_env": record.get("env")}
    new.note_execution({"executor": "rejudge", **note})
    for unit in tqdm(units, desc="rejudge", unit="unit", disable=not show_progress):
        rows = sorted(rows_of[unit.id], key=lambda s: s["row"])
        steered = [s["steered_fraction"] for s in rows] if "steered_fraction" in rows[0] else []
        new.write_unit(unit.id, judge(judge_job(spec, unit, scenarios, [s["completion"] for s in rows], steered)))
    finish_cells(spec, new, scenarios)
    return new


def changed_verdicts(run: str | Path, out: str | Path) -> dict[str, int]:
    """How many samples' security verdict moved between `run` and its rejudged copy `out`, by direction."""
    before = {(s["unit"], s["row"]): s["secure"] for s in RunStore(run).samples()}
    counts = Counter(f"{json.dumps(before.get((s['unit'], s['row'])))} -> {json.dumps(s['secure'])}"
                     for s in RunStore(out).samples())
    return dict(sorted(counts.items()))
