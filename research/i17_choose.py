"""Issue 17: the scale each method reports at, chosen on the tuning split by a rule fixed before judging.

The highest secure-and-functional rate (SecCodePLT's security and functional tests both pass) among the
method's steered cells; ties go to the smaller scale. Prints one line per method: METHOD SCALE RATE.

    python research/i17_choose.py runs/cpu/tune
"""

from __future__ import annotations

import sys

from secsteer.experiments.store import RunStore


def choose(run: str) -> dict[str, tuple[float, float]]:
    best: dict[str, tuple[float, float]] = {}
    for cell in RunStore(run).cells():
        if cell["condition"] != "vector":
            continue
        rate = cell["secure_functional"]["value"] or 0.0
        method, scale = cell["method"], cell["scale"]
        if method not in best or (rate, -scale) > (best[method][1], -best[method][0]):
            best[method] = (scale, rate)
    return best


if __name__ == "__main__":
    for method, (scale, rate) in sorted(choose(sys.argv[1]).items()):
        print(method, scale, f"{rate:.3f}")
