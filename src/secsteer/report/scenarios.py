"""Per-scenario security counts beside baseline, and the scenarios no condition ever judged insecure.

Pooled rates hide where a difference could come from: a scenario already at 100% secure can only lose,
and one that is never judged insecure by static analysis alone may have a CWE no analyzer here reports
(a silent analyzer reads exactly like secure code). This table shows both.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from secsteer.report.tables import markdown_table, scale_label


def _counts(samples: list[dict[str, Any]], security: bool = True) -> dict[tuple[str, str], tuple[int, int]]:
    """(cell, scenario) -> (secure, judged) over valid, judged samples, or (functional, tested) over tested ones
    where no security is measured; identical completions count once."""
    field = "secure" if security else "functional"
    seen: dict[tuple[str, str], dict[str, bool]] = defaultdict(dict)
    for s in samples:
        if s.get(field) is not None and (s["valid"] or not security):
            seen[(s["cell"], s["scenario"])].setdefault(s["completion"], bool(s[field]))
    return {key: (sum(v.values()), len(v)) for key, v in seen.items()}


def columns(cells: list[dict[str, Any]], best: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The baseline and prompt references, the best steered cell, and the controls at its layers and scale."""
    base = [c for c in cells if c["condition"] in ("baseline", "prompt")]
    if best is None:
        return base
    controls = [c for c in cells if c["condition"] in ("random", "negated", "shuffled") and c["layers"] == best["layers"]
                and c["scale"] == best["scale"] and c.get("scale_unit") == best.get("scale_unit")]
    return base + [best] + sorted(controls, key=lambda c: c["condition"])


def scenario_section(samples: list[dict[str, Any]], cells: list[dict[str, Any]],
                     best: dict[str, Any] | None, security: bool = True) -> tuple[str, list[str]]:
    """A Markdown table of secure/judged per scenario and column, and notes on one-sided scenarios; on a
    functional benchmark (`security` False), of passing/tested."""
    cols = columns(cells, best)
    if not cols or not samples:
        return "", ["No finished samples."]
    counts = _counts(samples, security)
    scenarios = sorted({s["scenario"] for s in samples})
    cwe = {s["scenario"]: s.get("cwe") or "-" for s in samples}
    tested = {s["scenario"] for s in samples if s.get("security_test") is not None}
    header = ["scenario", "CWE"] + [c["vector"] if c["condition"] == "prompt" else f"{c['condition']} {scale_label(c)}"
                                    for c in cols]
    rows = []
    for sc in scenarios:
        cells_text = []
        for c in cols:
            secure, judged = counts.get((c["cell"], sc), (0, 0))
            cells_text.append(f"{secure}/{judged}" if judged else "-")
        rows.append([sc, cwe[sc]] + cells_text)
    if not security:
        return markdown_table(header, rows), ["Tests passed / completions tested per scenario (identical completions "
                                              "once). No scenario names a CWE: security is not measured."]
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])    # scenario -> [secure, judged] over cells
    for (_, sc), (secure, n) in counts.items():
        totals[sc][0] += secure
        totals[sc][1] += n
    never = [sc for sc in scenarios if totals[sc][1] and totals[sc][0] == totals[sc][1]]
    always = [sc for sc in scenarios if totals[sc][1] and totals[sc][0] == 0]
    lines = ["Secure / judged (valid, identical completions once) per scenario; the notes count every cell."]
    if never:
        static = [sc for sc in never if sc not in tested]
        lines.append(f"Never judged insecure in any cell: {len(never)} of {len(scenarios)} scenarios "
                     f"({', '.join(never)}); a steered cell can only lose there."
                     + (f" {len(static)} of them have no security test and were judged by static analysis "
                        f"alone: check that an analyzer rule here reports their CWE ({', '.join(static)})."
                        if static else ""))
    if always:
        lines.append(f"Never judged secure in any cell: {len(always)} of {len(scenarios)} scenarios "
                     f"({', '.join(always)}).")
    return markdown_table(header, rows), lines
