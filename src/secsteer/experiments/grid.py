"""Cells of a sweep, grouped so that scales sharing a vector and layer set run as per-row scales."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass

from secsteer.experiments.spec import PairCount, SweepSpec

BASELINE = "baseline"
PROMPT = "prompt"                 # a security hint in the prompt, no vector: the reference steering is held to


@dataclass(frozen=True)
class VectorKey:
    method: str
    n_pairs: PairCount
    draw_seed: int
    control: str = ""             # "", "random", "negated" or "shuffled"

    @property
    def label(self) -> str:
        tag = f"{self.method}/n={self.n_pairs}/draw={self.draw_seed}"
        return f"{self.control}({tag})" if self.control else tag


@dataclass(frozen=True)
class Group:
    """One batched generation: a vector, a layer set, a scale unit; its cells differ only in scale."""
    vector: VectorKey | None      # None: the unsteered baseline
    layers: tuple[int, ...]
    relative: bool
    scales: tuple[float, ...]
    hint: str = ""                # a prompt-hint reference (generation/hints.py); vector is then None

    @property
    def id(self) -> str:
        fields = asdict(self)
        if not self.hint:
            del fields["hint"]    # groups made before hints keep their ids (and their runs resume)
        return _digest(fields)


@dataclass(frozen=True)
class Cell:
    group: Group
    scale: float

    @property
    def id(self) -> str:
        return _digest({"group": self.group.id, "scale": self.scale})

    def describe(self) -> dict[str, object]:
        v, hint = self.group.vector, self.group.hint
        return {
            "cell": self.id,
            "condition": (PROMPT if hint else BASELINE) if v is None else (v.control or "vector"),
            "vector": (f"hint:{hint}" if hint else None) if v is None else v.label,
            "method": None if v is None else v.method,
            "n_pairs": None if v is None else v.n_pairs,
            "draw_seed": None if v is None else v.draw_seed,
            "layers": list(self.group.layers),
            "scale": self.scale,
            "scale_unit": "layer_norm" if self.group.relative else "vector",
        }


def _digest(obj: object) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:12]


FILE_METHOD = "file"


def vector_keys(spec: SweepSpec) -> list[VectorKey]:
    if not spec.methods:
        return []                          # a baseline-only run
    if spec.vector:
        base = VectorKey(FILE_METHOD, "all", 0)
        return [base] + [VectorKey(FILE_METHOD, "all", 0, control) for control in spec.controls]
    keys = []
    for method in spec.methods:
        for n in spec.n_pairs:
            seeds = spec.draw_seeds if n != "all" else spec.draw_seeds[:1]   # "all" has one draw
            for seed in seeds:
                keys.append(VectorKey(method, n, seed))
                keys.extend(VectorKey(method, n, seed, control) for control in spec.controls)
    return keys


def groups(spec: SweepSpec) -> list[Group]:
    out = [Group(None, (), True, (0.0,))]
    out += [Group(None, (), True, (0.0,), hint) for hint in spec.prompt_hints]
    for key in vector_keys(spec):
        for layers in spec.layer_sets:
            if spec.scales:
                out.append(Group(key, tuple(layers), True, tuple(spec.scales)))
            if spec.absolute_scales:
                out.append(Group(key, tuple(layers), False, tuple(spec.absolute_scales)))
    return out


def cells(spec: SweepSpec) -> list[Cell]:
    return [Cell(g, s) for g in groups(spec) for s in g.scales]
