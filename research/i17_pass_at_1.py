"""Issue 17: HumanEval pass@1 of a steered cell against the baseline, pooled over several runs of disjoint problems.

Each run holds a baseline (scale 0) and one steered scale on its own problems (e.g. 0-79 for reporting and
80-163 for choosing); this prints the pass@1 of each and the paired cluster-bootstrap difference over all their
problems together, as the sweep report computes it for one run.

    python research/i17_pass_at_1.py runs/he/1p5b-retain runs/he/1p5b-retain-tune
"""

from __future__ import annotations

import sys

from secsteer.evaluation.metrics import paired_bootstrap_interval, wilson_interval
from secsteer.experiments.store import RunStore


def main(runs: list[str], scale: float = 1.0) -> None:
    base: dict[str, tuple[int, int]] = {}
    steered: dict[str, tuple[int, int]] = {}
    for run in runs:
        for s in RunStore(run).samples():
            into = base if s["scale"] == 0 else steered if s["scale"] == scale else None
            if into is not None:
                if s["scenario"] in into:
                    raise ValueError(f"{s['scenario']} appears twice: give runs of disjoint problems, one sample each")
                into[s["scenario"]] = (int(bool(s["functional"])), 1)
    for name, cell in (("baseline", base), (f"steered {scale:g}", steered)):
        k, n = sum(v[0] for v in cell.values()), len(cell)
        lo, hi = wilson_interval(k, n)
        print(f"{name}: pass@1 {100 * k / n:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}] ({k}/{n})")
    diff, lo, hi = paired_bootstrap_interval(base, steered)
    print(f"Δ pass@1 over {len(base)} problems: {100 * diff:+.0f} [{100 * lo:+.0f}, {100 * hi:+.0f}]")


if __name__ == "__main__":
    main(sys.argv[1:])
