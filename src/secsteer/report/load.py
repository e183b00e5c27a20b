"""Read a run directory into plain rows for tables and plots (no torch, never reruns anything)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secsteer.experiments.store import RunStore


@dataclass(frozen=True)
class RunData:
    root: Path
    spec: dict[str, Any]
    env: dict[str, Any]
    cells: list[dict[str, Any]]
    baseline: dict[str, Any] | None

    def steered(self) -> list[dict[str, Any]]:
        return [c for c in self.cells if c["condition"] != "baseline"]

    def by_vector(self) -> dict[str, list[dict[str, Any]]]:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for c in self.steered():
            groups[c["vector"]].append(c)
        return dict(groups)


def load_run(root: str | Path) -> RunData:
    store = RunStore(root)
    record = store.run_record()
    cells = store.cells()
    if not cells:
        raise ValueError(f"{root} has no finished cells yet; run or resume the sweep first")
    baseline = next((c for c in cells if c["condition"] == "baseline"), None)
    return RunData(Path(root), record["spec"], record["env"], cells, baseline)


def layers_label(cell: dict[str, Any]) -> str:
    return "+".join(map(str, cell["layers"])) or "-"
