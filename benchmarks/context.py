"""What every figure gets: the mode, repetition counts and the models, built once per run."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.models import MID, SIZES, TINY, Models, ModelSize


@dataclass(frozen=True)
class Context:
    quick: bool
    reps: int                 # timed repetitions per side of each ratio
    new_tokens: int           # greedy tokens per generate call
    size: ModelSize           # the random model the engine ratios use
    sven_pairs: int           # SVEN train pairs read for the memory figure
    workdir: Path             # scratch space for subprocess outputs
    models: Models
    skip_external: bool = False   # leave out the figures that run other scripts (nnsight, analyzers)
    device: str = "cpu"           # where the engine model runs
    cache: dict[str, Any] = field(default_factory=dict)   # results shared by several figures

    @classmethod
    def create(cls, quick: bool, workdir: Path, reps: int | None = None, sven_pairs: int = 64,
               skip_external: bool = False, device: str = "cpu", size: str | None = None) -> Context:
        model_size = SIZES[size] if size else (TINY if quick else MID)
        return cls(quick=quick, reps=reps or (3 if quick else 7), new_tokens=16 if quick else 64, size=model_size,
                   sven_pairs=sven_pairs, workdir=workdir, models=Models(model_size, device),
                   skip_external=skip_external, device=device)
