"""Turn a spec into units of work: fixed batches of (scenario, sample, scale) rows per group."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from secsteer.data.scenarios import Scenario
from secsteer.experiments.grid import Cell, Group, groups
from secsteer.experiments.spec import SweepSpec


@dataclass(frozen=True)
class Row:
    scenario: int       # index into the run's scenario list
    sample: int
    scale: float


@dataclass(frozen=True)
class Unit:
    group: Group
    index: int
    rows: tuple[Row, ...]
    sampling_seed: int = 0          # the spec's seed

    @property
    def id(self) -> str:
        return f"{self.group.id}:{self.index}"

    @property
    def seed(self) -> int:
        # fixed by the unit and the spec's seed, so a resumed run samples exactly what an uninterrupted one
        # did and another seed draws other samples; seed 0 keeps the unit id alone (runs made before seeds)
        key = self.id if self.sampling_seed == 0 else f"{self.id}:seed={self.sampling_seed}"
        return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16)


def limit_per_cwe(scenarios: Sequence[Scenario], limit: int) -> list[Scenario]:
    """At most `limit` scenarios per (source, CWE), the first by id, so each source keeps its share."""
    if limit <= 0:
        return list(scenarios)
    kept: dict[tuple[str, str], int] = defaultdict(int)
    out = []
    for s in sorted(scenarios, key=lambda s: s.id):
        if kept[(s.source, s.cwe)] < limit:
            kept[(s.source, s.cwe)] += 1
            out.append(s)
    return out


def plan_units(spec: SweepSpec, scenarios: Sequence[Scenario]) -> list[Unit]:
    # language-major order keeps one language's stop strings together in a batch
    order = sorted(range(len(scenarios)), key=lambda i: (scenarios[i].language, scenarios[i].id))
    units = []
    per_row = spec.mode != "ablate"          # ablation shifts are one per batch
    for group in groups(spec):
        scale_sets = [group.scales] if per_row or group.vector is None else [(s,) for s in group.scales]
        index = 0
        for scales in scale_sets:
            rows = [Row(i, k, s) for i in order for k in range(spec.samples) for s in scales]
            for b in range(0, len(rows), spec.batch_size):
                units.append(Unit(group, index, tuple(rows[b:b + spec.batch_size]), spec.seed))
                index += 1
    return units


def cell_of(group: Group, scale: float) -> Cell:
    return Cell(group, scale)
