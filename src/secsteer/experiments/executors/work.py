"""The generation half of a unit, and what a generating process needs: the model and a vector factory.

Both local executors and every Ray worker go through these functions, so a unit generates the same text
wherever it runs: its batch is fixed by the plan and its sampling seed by the unit (Unit.seed).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secsteer.data.scenarios import Scenario
from secsteer.experiments.executors.judging import JudgeJob
from secsteer.experiments.grid import Cell
from secsteer.experiments.plan import Unit
from secsteer.experiments.spec import SweepSpec
from secsteer.experiments.vectors import VectorFactory


@dataclass
class Job:
    """One sweep's work, as the runner hands it to an executor."""

    spec: SweepSpec
    out: Path
    scenarios: list[Scenario]
    model: Any = None                  # preloaded model and tokenizer (local executors only)
    tokenizer: Any = None
    backend: Any = None                # a secsteer.backends engine; None: forward hooks
    pairs: list[Any] = field(default_factory=list)   # the vectors' pairs, held-out checked
    fixed: Any = None                  # the spec's prebuilt vector, held-out checked
    needs_vectors: bool = False        # some unfinished unit is steered
    device: str = "auto"               # where a local executor loads the model (auto: cuda when available)


def vector_inputs(spec: SweepSpec, scenarios: Sequence[Scenario], todo: Sequence[Unit]) -> dict[str, Any]:
    """Job fields for the vectors the unfinished units need: pairs or a prebuilt vector, checked held-out."""
    from secsteer.experiments.runner import load_checked_vector, select_pairs

    if not any(u.group.vector is not None for u in todo):
        return {}
    if spec.vector:
        return {"needs_vectors": True, "fixed": load_checked_vector(spec.vector, scenarios)}
    return {"needs_vectors": True, "pairs": select_pairs(spec, scenarios)}


def load(spec: SweepSpec, backend: Any = None, **options: Any) -> tuple[Any, Any]:
    options.setdefault("device", "auto")
    if backend is not None:
        return backend.load(spec.model, dtype=spec.dtype, **options)
    from secsteer.model.load import load_model

    return load_model(spec.model, dtype=spec.dtype, **options)


def make_factory(job: Job, model: Any, tokenizer: Any, cache_dir: Path) -> VectorFactory | None:
    if not job.needs_vectors:
        return None
    if job.fixed is not None:
        return VectorFactory(model, tokenizer, [], cache_dir, fixed=job.fixed)
    spec = job.spec
    return VectorFactory(model, tokenizer, job.pairs, cache_dir, spec.pooling, ",".join(spec.pairs),
                         batch_size=spec.batch_size, focus=spec.focus, context_lines=spec.context_lines,
                         read=job.backend.read if job.backend is not None else None, train=spec.train,
                         train_layers=sorted({layer for s in spec.layer_sets for layer in s}), view=spec.view,
                         scenarios=job.scenarios, condition=(spec.condition_pairs or spec.pairs[0], spec.condition_tasks))


def generate_unit(spec: SweepSpec, unit: Unit, scenarios: Sequence[Scenario], model: Any, tokenizer: Any,
                  factory: VectorFactory | None, backend: Any = None) -> JudgeJob:
    """Generate the unit's completions; what judging them needs comes back as a JudgeJob."""
    from secsteer.experiments.methods import unit_steering
    from secsteer.generation.generate import GenerationConfig, generate
    from secsteer.generation.hints import with_hint
    from secsteer.generation.prompts import default_stops, scenario_prompt, uses_chat

    chat = uses_chat(tokenizer, spec.prompt_mode)  # type: ignore[arg-type]
    rows = unit.rows
    picked = [scenarios[r.scenario] for r in rows]
    shown = [with_hint(s, unit.group.hint, chat) for s in picked] if unit.group.hint else picked
    prompts = [scenario_prompt(tokenizer, s, spec.prompt_mode, chat) for s in shown]
    stops = set.intersection(*(set(s.stop) for s in picked)) | set(default_stops(chat))
    config = GenerationConfig(max_new_tokens=spec.max_new_tokens, temperature=spec.temperature, top_p=spec.top_p,
                              seed=unit.seed, batch_size=len(rows), stop=tuple(sorted(stops)))
    context: Any                  # a steering context, or nullcontext() for contrastive units
    if spec.decoding == "contrastive" and unit.group.vector is not None:
        from secsteer.experiments.methods import contrastive_generate

        # the ±v rows carry the steering: no steering record (and no second bank) for the base rows
        run_generate = contrastive_generate(spec, unit.group, factory, model, [s.cwe for s in picked],
                                            [r.scale for r in rows])
        steering, scales, context = None, None, nullcontext()
    else:
        steering, scales, context = unit_steering(spec, unit.group, factory, model, [r.scale for r in rows],
                                                  [s.cwe for s in picked])
        run_generate = backend.generate if backend is not None else generate
    with context as trace:
        completions = run_generate(model, tokenizer, prompts, config, steering=steering, row_scales=scales)
    # gated units: how often each row's gate opened, so a gate that never (or always) fires is visible
    steered = trace.steered_fraction() if hasattr(trace, "steered_fraction") else []
    return judge_job(spec, unit, scenarios, completions, steered)


def judge_job(spec: SweepSpec, unit: Unit, scenarios: Sequence[Scenario], completions: Sequence[str],
              steered: Sequence[float] = ()) -> JudgeJob:
    """What judging the unit's completions needs; the completions come from generation or from a file."""
    rows = unit.rows
    if len(completions) != len(rows):
        raise ValueError(f"unit {unit.id}: {len(completions)} completions for {len(rows)} rows")
    return JudgeJob(
        unit=unit.id, scenarios=tuple(scenarios[r.scenario] for r in rows), completions=tuple(completions),
        cells=tuple(Cell(unit.group, r.scale).id for r in rows), samples=tuple(r.sample for r in rows),
        scales=tuple(r.scale for r in rows), steered=tuple(steered), analyzers=tuple(spec.analyzers),
        run_tests=spec.run_tests, any_cwe=spec.any_cwe,
    )
