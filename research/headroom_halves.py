"""The baseline of a named set's halves from one run's samples: security, secure & functional, validity and
functional (95% Wilson, identical completions of a task counted once), as docs/scenarios.md reports them.

    python research/headroom_halves.py runs/headroom seccodeplt-headroom
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from secsteer.data import scenario_sets
from secsteer.experiments.summarize import summarize_cell

COLUMNS = ("security", "secure_functional", "validity", "functional")


def cell(value: dict) -> str:
    if value["value"] is None:
        return "n/a"
    return f"{value['value']:.0%} [{value['lo'] * 100:.0f}, {value['hi'] * 100:.0f}] ({value['k']}/{value['n']})"


def main(run: str, name: str) -> None:
    chosen = scenario_sets.load_set(name)
    with open(Path(run) / "samples.jsonl") as f:
        samples = [json.loads(line) for line in f if line.strip()]
    print("| half | " + " | ".join(COLUMNS) + " | n unique |")
    print("|---" * (len(COLUMNS) + 2) + "|")
    for half in ("tune", "report", None):
        ids = set(chosen.ids(half))
        summary = summarize_cell([s for s in samples if s["scenario"] in ids])
        label = half or "both"
        print(f"| {label} | " + " | ".join(cell(summary[c]) for c in COLUMNS) + f" | {summary['n_unique']} |")


if __name__ == "__main__":
    main(*sys.argv[1:3])
