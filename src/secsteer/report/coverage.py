"""Under every results table: which CWEs the judge is blind to, and security on the covered CWEs apart.

A sample counts as covered when its (CWE, language) is judged statically (`secsteer coverage`: recall
>= 90%, false alarms <= 5%, enough references) or its scenario's security test ran on it and that test
fails the scenario's insecure reference and passes its secure one (checked once, cached). Security on
the other samples is shown in its own column and never pooled into a "covered" number.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from typing import Any

from secsteer.evaluation.coverage import (
    Coverage,
    coverage_for,
    coverage_lines,
    covered_sample,
    reference_sources,
)
from secsteer.experiments.summarize import counts, dedupe, rate
from secsteer.report.load import layers_label
from secsteer.report.tables import markdown_table, pct, scale_label

__all__ = ["coverage_section", "covered_security", "covered_security_table", "sample_coverage"]

log = logging.getLogger(__name__)


def sample_coverage(samples: Sequence[dict[str, Any]], scenario_specs: Sequence[str],
                    analyzers: Sequence[str] = ()) -> Coverage:
    """Coverage of every (CWE, language) in the samples, from the cache when it was measured before."""
    keys = {(s["cwe"], s.get("language", "")) for s in samples}
    return coverage_for(keys, reference_sources(scenario_specs), list(analyzers) or None)


def _security(rows: list[dict[str, Any]]) -> dict[str, Any]:
    c = counts(dedupe(rows))
    return rate(c["secure"], c["judged"])


def covered_security(cells: Sequence[dict[str, Any]], samples: Sequence[dict[str, Any]],
                     coverage: Coverage, blind: Collection[str] = ()) -> list[dict[str, Any]]:
    """Per cell: security on the covered CWEs only, and on the CWEs the judge does not see."""
    by_cell: dict[str, list[dict[str, Any]]] = {}
    for s in samples:
        by_cell.setdefault(s["cell"], []).append(s)
    out = []
    for c in cells:
        mine = by_cell.get(c.get("cell", ""), [])
        out.append({"cell": c.get("cell"),
                    "security_covered": _security([s for s in mine if covered_sample(s, coverage, blind)]),
                    "security_not_judged": _security([s for s in mine if not covered_sample(s, coverage, blind)])})
    return out


def covered_security_table(cells: Sequence[dict[str, Any]], samples: Sequence[dict[str, Any]],
                           coverage: Coverage, blind: Collection[str] = ()) -> str:
    rows = []
    for c, split in zip(cells, covered_security(cells, samples, coverage, blind), strict=True):
        a, b = split["security_covered"], split["security_not_judged"]
        rows.append([c["condition"], c.get("vector") or "-", layers_label(c), scale_label(c),
                     pct(a), str(a["n"]), pct(b), str(b["n"])])
    return markdown_table(["condition", "vector", "layers", "scale", "security, covered CWEs only",
                           "n judged", "security, not-judged CWEs (not a measurement)", "n judged"], rows)


def coverage_section(cells: Sequence[dict[str, Any]], samples: Sequence[dict[str, Any]],
                     scenario_specs: Sequence[str], analyzers: Sequence[str] = ()) -> tuple[str, str]:
    """(covered-only security table, blind-CWE lines); a failure to measure says so and never hides."""
    if not samples:
        return "", ""
    samples = [s for s in samples if s.get("cwe")]   # HumanEval and the like pose no security question
    if not samples:
        return "", "No scenario here names a CWE (a functional benchmark): security is not measured."
    try:
        coverage = sample_coverage(samples, scenario_specs, analyzers)
    except Exception as err:  # noqa: BLE001 - no coverage must read as "not judged", not break the report
        log.warning("judge coverage could not be measured: %s", err)
        return "", f"Judge coverage could not be measured ({err}): every CWE here counts as not judged."
    keys = {(s["cwe"], s.get("language", "")) for s in samples}
    tested = {(s["cwe"], s.get("language", "")) for s in samples if s.get("security_test") is not None}
    lines = coverage_lines(coverage, keys, tested)
    blind, note = _blind_tests(samples, scenario_specs)
    if blind:
        lines.append(f"Security tests that do not tell their scenario's own references apart ({len(blind)}; their "
                     f"samples count as not judged): {', '.join(sorted(blind))}.")
    if note:
        lines.append(f"Note: {note}; a security test that ran counts as covered.")
    return covered_security_table(cells, samples, coverage, blind), "\n".join(lines)


def _blind_tests(samples: Sequence[dict[str, Any]], scenario_specs: Sequence[str]) -> tuple[set[str], str]:
    from secsteer.evaluation.tested_coverage import blind_tests

    ran = {s["scenario"] for s in samples if s.get("security_test") is not None and "scenario" in s}
    try:
        return blind_tests(scenario_specs, ran)
    except Exception as err:  # noqa: BLE001 - e.g. no sandbox here: say so, never hide it
        log.warning("security tests could not be checked against their references: %s", err)
        return set(), f"the security tests could not be checked against their references ({err})"
