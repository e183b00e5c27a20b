"""Issue 17: each cell's security under today's judge and under the one before undefined names were invalid.

Until 2026-12-06 a Python completion that used a name never bound (`html.escape` without `import html`)
parsed, crashed in the security test and counted insecure; now it is invalid and not judged for security.
For runs judged today this prints, per cell (runs of one spec pooled, identical completions counted once):
unique completions, invalid by an undefined name, security now, and security as the old judge counted it.

    python research/i17_name_policy.py runs/xss/1p5b-distilled-report runs/xss/1p5b-distilled-report-s3
"""

from __future__ import annotations

import sys
from collections import defaultdict

from secsteer.evaluation.metrics import wilson_interval
from secsteer.experiments.store import RunStore
from secsteer.experiments.summarize import dedupe


def pct(k: int, n: int) -> str:
    if not n:
        return "n/a"
    lo, hi = wilson_interval(k, n)
    return f"{100 * k / n:.0f}% [{100 * lo:.0f}, {100 * hi:.0f}] ({k}/{n})"


def main(runs: list[str]) -> None:
    labels: dict[str, str] = {}
    samples: dict[str, list[dict]] = defaultdict(list)
    for run in runs:
        store = RunStore(run)
        for cell in store.cells():
            labels[cell["cell"]] = f"{cell['condition']} {cell.get('method') or ''} {cell.get('scale')}".strip()
        for s in store.samples():
            samples[s["cell"]].append(s)
    print("| cell | unique | invalid: undefined name | security now | security, undefined name counted insecure |")
    print("|---|---|---|---|---|")
    for cell, rows in samples.items():
        unique = dedupe(rows)
        unbound = sum(not s["valid"] and "undefined name" in (s.get("detail") or "") for s in unique)
        judged = [s for s in unique if s["valid"] and s["secure"] is not None]
        secure = sum(s["secure"] is True for s in judged)
        print(f"| {labels.get(cell, cell)} | {len(unique)} | {unbound} | {pct(secure, len(judged))} | "
              f"{pct(secure, len(judged) + unbound)} |")


if __name__ == "__main__":
    main(sys.argv[1:])
