"""Steered cell vs baseline: the difference of a rate with a paired interval over scenarios."""

from __future__ import annotations

import math
from typing import Any

from secsteer.evaluation.metrics import diff_interval
from secsteer.experiments.summarize import RATES


def difference(cell: dict[str, Any], baseline: dict[str, Any], metric: str) -> dict[str, Any]:
    """Cell minus baseline for `metric`, with a cluster-bootstrap 95% interval over shared scenarios."""
    num, den = RATES[metric]
    shared = sorted(set(cell["per_scenario"]) & set(baseline["per_scenario"]))
    a = {s: (baseline["per_scenario"][s][num], baseline["per_scenario"][s][den]) for s in shared}
    b = {s: (cell["per_scenario"][s][num], cell["per_scenario"][s][den]) for s in shared}
    diff, lo, hi = diff_interval(a, b, paired=True)
    if math.isnan(diff):
        return {"diff": None, "lo": None, "hi": None, "significant": False}
    return {"diff": diff, "lo": lo, "hi": hi, "significant": bool(lo > 0 or hi < 0)}


def with_differences(cells: list[dict[str, Any]], baseline: dict[str, Any] | None,
                     metrics: tuple[str, ...] = ("security", "secure_valid", "validity", "functional",
                                                    "secure_functional")
                     ) -> list[dict[str, Any]]:
    if baseline is None:
        return cells
    return [{**c, "delta": {m: difference(c, baseline, m) for m in metrics}} for c in cells]
