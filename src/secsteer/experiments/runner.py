"""Run a sweep: generate, judge and store every unit; resume where a killed run stopped."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from secsteer.data.scenarios import Scenario, is_scenario_source, load_scenarios, whole_source
from secsteer.experiments.grid import cells
from secsteer.experiments.plan import Unit, limit_per_cwe, plan_units, validate_plan
from secsteer.experiments.spec import SweepSpec
from secsteer.experiments.store import RunStore
from secsteer.experiments.summarize import summarize_cell
from secsteer.experiments.vectors import VectorFactory

log = logging.getLogger(__name__)


def select_scenarios(spec: SweepSpec) -> list[Scenario]:
    found: list[Scenario] = []
    for source in spec.scenarios:
        found += load_scenarios(source, cwes=spec.scenario_cwes or None, languages=spec.scenario_languages or None)
    if spec.scenario_ids:
        wanted = set(spec.scenario_ids)
        missing = sorted(wanted - {s.id for s in found})
        if missing:
            raise ValueError(f"scenario_ids not found in {list(spec.scenarios)}: {missing[:10]}")
        found = [s for s in found if s.id in wanted]
    if not found:
        raise ValueError(f"no scenarios selected from {list(spec.scenarios)} with the given filters")
    return limit_per_cwe(found, spec.scenario_limit)


def select_pairs(spec: SweepSpec, scenarios: Sequence[Scenario]) -> list[Any]:
    from secsteer.data.sources import load_many
    from secsteer.data.splits import LeakageError, check_held_out, evaluated_task_pairs, same_task_pairs

    pairs = load_many(list(spec.pairs), cwes=spec.pair_cwes or None, languages=spec.pair_languages or None,
                      split=spec.pair_split)
    held = [*scenarios, *other_scenarios(spec)]
    if spec.drop_leaking_pairs:             # e.g. SecCodePLT pairs from the tasks that are not evaluated
        leaks = evaluated_task_pairs(pairs, held)
        pairs = [p for p in pairs if p.id not in leaks]
        log.info("dropped %d build pairs that overlap the scenarios; %d left", len(leaks), len(pairs))
    elif same := same_task_pairs(pairs, held):     # a leaked prompt alone is check_held_out's error, below
        raise LeakageError(f"{len(same)} build pair(s) come from the evaluated tasks themselves: "
                           f"{', '.join(sorted(same)[:10])}; set drop_leaking_pairs = true", sorted(same))
    check_held_out(pairs, [s.prompt for s in scenarios])     # never evaluate on what built the vector
    return pairs


def other_scenarios(spec: SweepSpec) -> list[Scenario]:
    """The scenarios named by also_drop_pairs_of, looked up in the whole of each scenario source (a set's
    other half included: that is where a tuning run's report tasks are), then in the pair sources that are
    scenario sources too (a HumanEval run whose vector comes from SecCodePLT tasks); an id found nowhere is
    an error."""
    if not spec.also_drop_pairs_of:
        return []
    wanted = set(spec.also_drop_pairs_of)
    whole = sorted({whole_source(src) for src in spec.scenarios})
    sources = whole + sorted({src for src in spec.pairs if src not in whole and is_scenario_source(src)})
    found: dict[str, Scenario] = {}
    for src in sources:
        if wanted <= found.keys():
            break
        found.update({s.id: s for s in load_scenarios(src) if s.id in wanted})
    missing = sorted(wanted - found.keys())
    if missing:
        raise ValueError(f"also_drop_pairs_of: not found in {sources}: {missing[:10]}")
    return list(found.values())


def load_checked_vector(path: str, scenarios: Sequence[Scenario]) -> Any:
    """A prebuilt vector, with its pairs re-derived from its metadata and checked against the scenarios."""
    from secsteer.data.pairs import pairs_hash
    from secsteer.data.sources import load_many
    from secsteer.data.splits import check_held_out
    from secsteer.vectors.vector import SteeringVector

    vector = SteeringVector.load(path)
    meta = vector.meta
    try:
        f = meta.filters
        pairs = load_many(meta.source.split(","), cwes=f.get("cwe"), languages=f.get("language"),
                          split=f.get("split"))
    except (ValueError, FileNotFoundError) as err:
        log.warning("cannot reload the pairs of %s (%s): held-out check skipped", path, err)
        return vector
    if pairs_hash(pairs) != meta.pairs_hash:
        # a --limit draw used a subset; checking the superset is stricter, never weaker
        log.info("vector %s was built from a subset of %s; checking held-out against all of it", path, meta.source)
    check_held_out(pairs, [s.prompt for s in scenarios])
    return vector


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    restart: bool = False,
    model: Any = None,
    tokenizer: Any = None,
    show_progress: bool = True,
    backend: Any = None,
    executor: Any = None,
    device: str = "auto",
    extend: bool = False,
) -> RunStore:
    """Run every unfinished unit of the spec into `out`. Pass model/tokenizer to skip loading spec.model.

    backend: a secsteer.backends engine (default: the spec's `engine`, which records the one used);
    nnsight and llamacpp support mode "add" only.
    executor: where units run: a LocalExecutor (default: judging overlaps generation where the hardware leaves
    room), a RayExecutor, or "local", "sequential", "overlap", "ray", "generate-only"; its choice is noted in
    run.json. Whatever runs them, this process alone writes the store, in whole units.
    device: where a local executor loads spec.model (auto: cuda when torch sees a GPU, else cpu).
    extend: `out` may hold a run of a spec with fewer grid entries (SweepSpec.extension_problems): its units are
    kept and only the new cells run."""
    from secsteer.experiments.executors import get_executor
    from secsteer.experiments.executors.work import Job, vector_inputs

    if backend is None and spec.engine != "hooks":
        from secsteer.backends import get_backend

        backend = get_backend(spec.engine)
    if backend is not None and backend.name != spec.engine:
        spec = replace(spec, engine=backend.name)
    if backend is not None and backend.name != "hooks" and (spec.mode != "add" or spec.decoding != "plain"):
        raise ValueError(f"mode {spec.mode!r} and decoding {spec.decoding!r} run on the hook engine only; "
                         "use --backend hooks")
    runner = get_executor(executor)
    scenarios = select_scenarios(spec)
    # before the folder is claimed: a bad spec stores nothing
    validate_plan(spec, scenarios, model, load_pairs=select_pairs, load_vector=load_checked_vector)
    store = RunStore(out)
    units = plan_units(spec, scenarios)
    if extend and not restart and store.run_path.exists():
        check_growth(store, spec, units)
    resuming = store.open(spec.to_json(), spec.digest(), restart, spec.extension_problems if extend else None)
    done = store.done_units()
    todo = [u for u in units if u.id not in done]
    if backend is not None and backend.name == "llamacpp" and not spec.vector and any(u.group.vector is not None for u in todo):
        raise ValueError("the llamacpp engine cannot read activations to build vectors: build one with "
                         "`secsteer build` and set `vector = PATH` (eval: --vector)")
    log.info("%s %s: %d units, %d to do", "resuming" if resuming else "starting", out, len(units), len(todo))
    try:
        if todo:
            vectors = vector_inputs(spec, scenarios, todo)      # held-out checks before any model loads
            job = Job(spec, Path(out), scenarios, model, tokenizer, backend, device=device, **vectors)
            runner.run(job, todo, store.write_unit, show_progress=show_progress, note=store.note_execution)
    finally:   # a stopped sweep (Ctrl-C, an error) still summarizes the cells whose units all finished
        finish_cells(spec, store, scenarios)
    return store


def check_growth(store: RunStore, spec: SweepSpec, units: Sequence[Any]) -> None:
    """Before an extended run claims the folder: the stored spec grows into this one, and every finished unit is
    a unit of this plan (a unit no cell owns would be silently dropped)."""
    from secsteer.experiments.store import SpecMismatchError

    problems = spec.extension_problems(store.run_record().get("spec", {}))
    if problems:
        raise SpecMismatchError(f"{store.root}: cannot extend: its spec differs in {', '.join(problems)}; only the "
                                "grid's lists (methods, n_pairs, draw_seeds, layer_sets, controls) may gain entries")
    stray = store.done_units() - {u.id for u in units}
    if stray:
        raise SpecMismatchError(f"{store.root}: cannot extend: {len(stray)} finished units are not in this plan")


def run_unit(spec: SweepSpec, unit: Unit, scenarios: Sequence[Scenario], model: Any, tokenizer: Any,
             factory: VectorFactory | None, backend: Any = None) -> list[dict[str, Any]]:
    """Generate and judge one unit here and now; its sample records in row order."""
    from secsteer.experiments.executors.judging import judge
    from secsteer.experiments.executors.work import generate_unit

    return judge(generate_unit(spec, unit, scenarios, model, tokenizer, factory, backend))


def analyzers_of(spec: SweepSpec) -> list[Any] | None:
    from secsteer.experiments.executors.judging import analyzers_named

    return analyzers_named(spec.analyzers)


def verdict_record(verdict: Any) -> dict[str, Any]:
    from secsteer.experiments.executors.judging import verdict_record as record

    return record(verdict)


def finish_cells(spec: SweepSpec, store: RunStore, scenarios: Sequence[Scenario]) -> None:
    """Write a summary for every cell whose samples are all in, once."""
    expected = len(scenarios) * spec.samples
    by_cell: dict[str, list[dict[str, Any]]] = {}
    for s in store.samples():
        by_cell.setdefault(s["cell"], []).append(s)
    order = {u.id: i for i, u in enumerate(plan_units(spec, scenarios))}
    for got in by_cell.values():       # plan order, whichever order units finished in (Ray: any)
        got.sort(key=lambda s: (order.get(s["unit"], -1), s["row"]))
    done = store.done_cells()
    new = []
    for cell in cells(spec):
        got = by_cell.get(cell.id, [])
        if cell.id not in done and len(got) == expected:
            new.append({**cell.describe(), **summarize_cell(got)})
    store.write_cells(new)
