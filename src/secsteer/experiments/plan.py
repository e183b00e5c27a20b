"""Turn a spec into units of work: fixed batches of (scenario, sample, scale) rows per group."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

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


def validate_plan(spec: SweepSpec, scenarios: Sequence[Scenario], model: Any, *,
                  load_pairs: Callable[[SweepSpec, Sequence[Scenario]], list[Any]],
                  load_vector: Callable[[str, Sequence[Scenario]], Any]) -> None:
    """Check everything a sweep needs before its first unit, so a bad spec stores nothing and claims no folder.

    Layers against the model's depth (its config when no model is given), the vector file, the pairs
    (held out from the scenarios, enough for every n_pairs), methods, analyzers, the schedule and, when
    the spec runs tests, that the sandbox can isolate them. Raises ValueError (one line).
    load_pairs and load_vector are the runner's loaders (they run the held-out checks the run relies on);
    model may be None (its depth is then read from its config).
    """
    from secsteer.experiments.grid import vector_keys

    if not scenarios:
        raise ValueError("no scenarios selected")
    if spec.run_tests:
        from secsteer.evaluation.sandbox import SandboxError, require_isolation

        try:
            require_isolation()
        except SandboxError as err:
            raise ValueError(str(err)) from None
    if spec.analyzers:
        from secsteer.evaluation.analyzers import ANALYZERS

        unknown = sorted(set(spec.analyzers) - set(ANALYZERS))
        if unknown:
            raise ValueError(f"unknown analyzers {unknown}; registered: {sorted(ANALYZERS)}")
    if spec.prompt_hints:                        # a scenario without a policy fails now, not mid-run
        from secsteer.generation.hints import hint_text

        for hint in spec.prompt_hints:
            for s in scenarios:
                hint_text(hint, s.cwe, s.meta, f"scenario {s.id}")
    if not vector_keys(spec):
        return                                   # a baseline-only run steers nothing
    if spec.schedule not in ("", "const"):
        from secsteer.steering.schedules import parse_schedule

        parse_schedule(spec.schedule)
    depth = _check_vector_source(spec, scenarios, model, load_pairs, load_vector)
    for layers in spec.layer_sets:
        outside = [layer for layer in layers if not 0 <= layer < depth]
        if outside:
            raise ValueError(f"layer_sets {[list(s) for s in spec.layer_sets]}: layers {outside} are outside the "
                             f"model's {depth} layers (0..{depth - 1})")


def _check_vector_source(spec: SweepSpec, scenarios: Sequence[Scenario], model: Any,
                         load_pairs: Callable[..., list[Any]], load_vector: Callable[..., Any]) -> int:
    """Load and check the vector file or the pairs; returns the model's depth."""
    if spec.mode == "conditioned":        # the condition is fit on the vector's own tasks: it needs the pairs
        if spec.vector:
            raise ValueError("conditioned mode fits its condition on the tasks the vector is built from; give "
                             "pairs and methods, not a vector file")
        from secsteer.data.sources import load_pairs as load_source

        load_source(spec.condition_pairs or spec.pairs[0])   # a source that does not load fails here
    if spec.vector:
        vector = load_vector(spec.vector, scenarios)
        missing = sorted({layer for s in spec.layer_sets for layer in s} - set(vector.layers))
        if missing:
            raise ValueError(f"{spec.vector} has no direction for layers {missing}; it has {vector.layers}")
        return int(vector.meta.num_layers)
    from secsteer.experiments.vectors import DISTILLED, TRAINED
    from secsteer.vectors.methods import METHODS

    known = [*METHODS, TRAINED, DISTILLED]
    unknown = sorted(set(spec.methods) - set(known))
    if unknown:
        raise ValueError(f"unknown vector methods {unknown}; choose from {sorted(known)}")
    if TRAINED in spec.methods:           # bad training settings fail here, not after the baseline ran
        from secsteer.vectors.train import config_from_options

        config_from_options(spec.train, layers=(0,), seed=0, shuffle_labels=False)
    if DISTILLED in spec.methods:
        from secsteer.vectors.distill import distill_config

        if not spec.view.startswith("hint:"):
            raise ValueError(f"method {DISTILLED!r} distils a prompt hint: set view = \"hint:policy\" (or another "
                             f"hint), not {spec.view!r}")
        if "shuffled" in spec.controls:
            raise ValueError(f"method {DISTILLED!r} has no labels to shuffle; use the random control")
        config = distill_config(spec.train, layers=(0,), hint="policy", seed=0)
        if config.retain_pairs:           # a retention source that does not load fails here too
            from secsteer.data.sources import load_pairs as load_source

            load_source(config.retain_pairs)
    pairs = load_pairs(spec, scenarios)
    too_many = [n for n in spec.n_pairs if n != "all" and int(n) > len(pairs)]
    if too_many:
        raise ValueError(f"n_pairs {too_many} exceed the {len(pairs)} pairs selected from {list(spec.pairs)}")
    if model is not None:
        from secsteer.model.layers import num_layers

        return num_layers(model)
    from secsteer.model.load import model_depth

    return model_depth(spec.model)
