"""The steering context of one unit, by mode: add (steer), routed (per-CWE), gated (probe), ablate, and
conditioned (the vector only on prompts like its own tasks).

add and routed and gated take per-row scales; ablate takes one shift per unit (its scale), so the
planner gives ablate units a single scale each.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from secsteer.experiments.grid import Group
from secsteer.experiments.spec import SweepSpec
from secsteer.experiments.vectors import VectorFactory
from secsteer.steering.apply import Steering

MODES = ("add", "routed", "gated", "ablate", "conditioned")


def schedule_of(spec: SweepSpec) -> Any:
    from secsteer.steering.schedules import parse_schedule

    return None if spec.schedule in ("", "const") else parse_schedule(spec.schedule)


def unit_steering(
    spec: SweepSpec, group: Group, factory: VectorFactory | None, model: Any, scales: list[float],
    row_cwes: Sequence[str],
) -> tuple[Steering | None, list[float] | None, AbstractContextManager[Any]]:
    """(steering record for generate, per-row scales, extra context) for one unit's batch."""
    if group.vector is None or factory is None:
        return None, None, nullcontext()
    key, layers, schedule = group.vector, group.layers, schedule_of(spec)
    if spec.mode == "add":
        steering = Steering(factory.vector(key), layers, 1.0, group.relative, spec.positions, schedule)
        return steering, scales, nullcontext()
    if spec.mode == "routed":
        from secsteer.steering.routing import steer_routed

        ctx: AbstractContextManager[Any] = steer_routed(model, factory.bank(key, rows_cwes=row_cwes), list(row_cwes), layers, scales, relative=group.relative,
                           positions=spec.positions, schedule=schedule)
        return None, None, ctx
    if spec.mode == "gated":
        from secsteer.steering.probe_gate import steer_gated

        probe, probe_layer, threshold = factory.gate(key, min(layers))
        ctx = steer_gated(model, factory.vector(key), probe, probe_layer, layers, scales, threshold,
                          relative=group.relative, positions="generated", reading=spec.gate_reading,
                          schedule=schedule)
        return None, None, ctx
    if spec.mode == "conditioned":
        from secsteer.steering.probe_gate import steer_gated

        condition = factory.condition(key, min(layers))
        ctx = steer_gated(model, factory.vector(key), condition.probe, condition.layer, layers, scales,
                          condition.threshold, relative=group.relative, positions=spec.positions, reading="prompt",
                          schedule=schedule)
        return None, None, ctx
    if spec.mode == "ablate":
        from secsteer.steering.ablate import ablation_targets, steer_ablate

        vector = factory.vector(key).select(list(layers))
        secure, _ = factory.activations()
        targets = ablation_targets(vector, {layer: secure.pooled[layer] for layer in layers})
        ctx = steer_ablate(model, vector, layers, targets, shift=scales[0], positions=spec.positions)
        return None, None, ctx
    raise ValueError(f"unknown steering mode {spec.mode!r}; choose one of {list(MODES)}")


def contrastive_generate(
    spec: SweepSpec, group: Group, factory: VectorFactory | None, model: Any, row_cwes: Sequence[str],
    scales: list[float],
) -> Any:
    """generate() for a contrastive unit: rows unsteered, ±v rows steered by the unit's vector (add) or by each
    row's CWE vector (routed), at each row's scale; the steering record and scales passed in are ignored."""
    from secsteer.generation.contrastive import Contrastive
    from secsteer.generation.generate import generate
    from secsteer.steering.apply import steer

    if group.vector is None or factory is None:
        raise ValueError("contrastive decoding needs a vector")
    key, layers, schedule = group.vector, group.layers, schedule_of(spec)
    kw = {"relative": group.relative, "positions": spec.positions, "schedule": schedule}
    if spec.mode == "routed":
        from secsteer.steering.routing import steer_routed

        bank = factory.bank(key, rows_cwes=row_cwes)
        rows = lambda s: steer_routed(model, bank, list(row_cwes) * 2, layers, s, **kw)  # noqa: E731
    elif spec.mode == "add":
        vector = factory.vector(key)
        rows = lambda s: steer(model, vector, layers, s, **kw)  # noqa: E731
    else:
        raise ValueError(f"contrastive decoding works with mode add or routed, got {spec.mode!r}")
    contrastive = Contrastive(spec.alpha, spec.beta)

    def run(model_: Any, tokenizer: Any, prompts: Sequence[str], config: Any, **_ignored: Any) -> list[str]:
        return generate(model_, tokenizer, prompts, config, row_scales=scales, contrastive=contrastive,
                        steer_rows=rows)
    return run

