"""What a run directory holds, minus unit times, for comparing two runs of one spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from secsteer.experiments.store import RunStore


def unit_lines(run: Path) -> list[tuple[str, int]]:
    return [(u["unit"], u["n"]) for u in map(json.loads, (run / "units.jsonl").read_text().splitlines())]


def content(run: Path) -> dict[str, Any]:
    """Sample lines and unit lines as sorted lists (executors may finish units in any order), cells as text."""
    return {
        "samples": sorted((run / "samples.jsonl").read_text().splitlines()),
        "units": sorted(unit_lines(run)),
        "cells": (run / "cells.jsonl").read_text(),
        "spec": json.loads((run / "run.json").read_text())["spec_digest"],
    }


def stored(run: Path) -> dict[str, Any]:
    """What the store's reader gives: samples of finished units once each (a killed run may have left lines
    of an unfinished unit, which the reader ignores), unit lines, cells."""
    samples = sorted(RunStore(run).samples(), key=lambda s: (s["unit"], s["row"]))
    return {**content(run), "samples": [json.dumps(s, sort_keys=True) for s in samples]}
