"""The judging half of a unit: plain data in, store records out. Imports no torch.

It runs wherever judging runs: in the sweep's own process, in a local process pool beside generation, or in
a Ray task on any CPU of a cluster. Everything it needs travels in a JudgeJob (scenarios, completions and the
few spec fields judging reads), so a judging process never loads the model or its libraries.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from secsteer.data.scenarios import Scenario


@dataclass(frozen=True)
class JudgeJob:
    unit: str                                # the unit's id, for messages
    scenarios: tuple[Scenario, ...]          # one per row
    completions: tuple[str, ...]             # one per row
    cells: tuple[str, ...]                   # cell id per row
    samples: tuple[int, ...]
    scales: tuple[float, ...]
    steered: tuple[float, ...]               # gated units: gate-open fraction per row; else empty
    analyzers: tuple[str, ...]               # registry names; empty: every analyzer for the language
    run_tests: bool
    any_cwe: bool


def judge(job: JudgeJob) -> list[dict[str, Any]]:
    """The unit's sample records, in row order, ready for RunStore.write_unit."""
    from secsteer.evaluation.judge import judge_many

    verdicts = judge_many(list(zip(job.scenarios, job.completions, strict=True)),
                          analyzers=analyzers_named(job.analyzers), run_tests=job.run_tests, any_cwe=job.any_cwe)
    records = []
    for i, (scenario, completion, verdict) in enumerate(zip(job.scenarios, job.completions, verdicts, strict=True)):
        records.append({
            "row": i, "cell": job.cells[i], "scenario": scenario.id, "cwe": scenario.cwe,
            "language": scenario.language, "sample": job.samples[i], "scale": job.scales[i],
            "completion": completion, **verdict_record(verdict),
            **({"steered_fraction": job.steered[i]} if job.steered else {}),
        })
    return records


def analyzers_named(names: tuple[str, ...] | list[str]) -> list[Any] | None:
    if not names:
        return None
    from secsteer.evaluation.analyzers import ANALYZERS

    unknown = sorted(set(names) - set(ANALYZERS))
    if unknown:
        raise ValueError(f"unknown analyzers {unknown}; registered: {sorted(ANALYZERS)}")
    return [ANALYZERS[name]() for name in names]


def verdict_record(verdict: Any) -> dict[str, Any]:
    return {
        "valid": verdict.valid, "secure": verdict.secure, "functional": verdict.functional,
        "security_test": verdict.security_test, "detail": verdict.detail,
        "findings": [{"tool": f.tool, "rule": f.rule, "cwe": f.cwe, "line": f.line} for f in verdict.findings],
    }
