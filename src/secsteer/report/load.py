"""Read one run directory, or several seeds of one spec pooled, into plain rows (no torch, never reruns)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from secsteer.experiments.store import RunStore
from secsteer.experiments.summarize import summarize_cell

# spec keys that may differ between runs pooled into one report: the draws (seed, how many), and which controls
# ran (only cells finished in every run are pooled)
POOLABLE = ("seed", "samples", "controls")


@dataclass(frozen=True)
class RunData:
    root: Path
    spec: dict[str, Any]
    env: dict[str, Any]
    cells: list[dict[str, Any]]
    baseline: dict[str, Any] | None
    samples: list[dict[str, Any]]
    roots: tuple[Path, ...] = ()     # the run directories pooled, when more than one

    def steered(self) -> list[dict[str, Any]]:
        return [c for c in self.cells if c["condition"] != "baseline"]

    def by_vector(self) -> dict[str, list[dict[str, Any]]]:
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for c in self.steered():
            groups[c["vector"]].append(c)
        return dict(groups)


def find_baseline(cells: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((c for c in cells if c["condition"] == "baseline"), None)


def load_run(root: str | Path) -> RunData:
    store = RunStore(root)
    record = store.run_record()
    cells = store.cells()
    if not cells:
        raise ValueError(f"{root} has no finished cells yet; run or resume the sweep first")
    return RunData(Path(root), record["spec"], record["env"], cells, find_baseline(cells), store.samples())


def load_runs(roots: Sequence[str | Path]) -> RunData:
    """Several runs of one spec under different sampling seeds (and sample counts), pooled cell by cell.

    Cells are matched by id (seed-independent); a pooled cell is summarized from all its samples, so its
    counts are the sums per scenario (identical completions across seeds still count once) and the paired
    bootstrap over scenarios sees every seed's samples. Only cells finished in every run are kept.
    """
    runs = [load_run(r) for r in roots]
    if len(runs) == 1:
        return runs[0]
    first = runs[0]
    for run in runs[1:]:
        differ = sorted(k for k in set(first.spec) | set(run.spec)
                        if k not in POOLABLE and first.spec.get(k) != run.spec.get(k))
        if differ:
            raise ValueError(f"{run.root} and {first.root} differ in {', '.join(differ)}: only runs of one spec "
                             f"under different seeds can be pooled")
    seeds = [r.spec.get("seed", 0) for r in runs]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds {seeds} repeat: pooling a seed twice would count its samples twice")
    common = set.intersection(*({c["cell"] for c in r.cells} for r in runs))
    if not common:
        raise ValueError("no cell is finished in every run")
    samples = [s for r in runs for s in r.samples if s["cell"] in common]
    by_cell: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for s in samples:
        by_cell[s["cell"]].append(s)
    cells = [{**c, **summarize_cell(by_cell[c["cell"]])} for c in first.cells if c["cell"] in common]
    spec = {**first.spec, "seed": seeds, "samples": sum(r.spec["samples"] for r in runs)}
    return RunData(first.root, spec, first.env, cells, find_baseline(cells), samples, tuple(Path(r) for r in roots))


def layers_label(cell: dict[str, Any]) -> str:
    return "+".join(map(str, cell["layers"])) or "-"
