"""The backend seam: one read/steer interface, several engines behind it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from secsteer.activations.read import Activations, Pooling, Span
from secsteer.generation.generate import GenerationConfig, encode_left, sampling_kwargs
from secsteer.generation.prompts import truncate_at_stop
from secsteer.model.layers import decoder_blocks, resolve_layers
from secsteer.steering.apply import Scale, Steering, scale_tensor
from secsteer.vectors.vector import check_compatible

DEFAULT_CONFIG = GenerationConfig()


@dataclass(frozen=True)
class Generated:
    """One batch of generation with its per-step scores, for comparing engines token for token."""
    sequences: Tensor              # (batch, prompt + new) token ids; prompts left-padded
    logits: tuple[Tensor, ...]     # one (batch, vocab) per generated token, before sampling
    prompt_length: int             # columns of `sequences` that are the (padded) prompt


class Backend(Protocol):
    """What every engine does. `model` is what `load` returned (a plain HF model for local engines)."""
    name: str

    def load(self, spec: str, **options: Any) -> tuple[Any, Any]: ...

    def read(
        self, model: Any, tokenizer: Any, texts: Sequence[str], layers: Sequence[int] | str | None = None,
        pooling: Pooling = "mean", batch_size: int = 8, max_length: int | None = 1024,
        spans: Sequence[Sequence[Span]] | None = None, show_progress: bool = False,
    ) -> Activations: ...

    def generate(
        self, model: Any, tokenizer: Any, prompts: Sequence[str], config: GenerationConfig = DEFAULT_CONFIG,
        steering: Steering | None = None, row_scales: Sequence[float] | None = None, show_progress: bool = False,
    ) -> list[str]: ...

    def generate_logits(
        self, model: Any, tokenizer: Any, prompts: Sequence[str], config: GenerationConfig = DEFAULT_CONFIG,
        steering: Steering | None = None, row_scales: Sequence[float] | None = None,
    ) -> Generated: ...


def steering_deltas(model: nn.Module, steering: Steering, scale: Scale | None = None) -> dict[int, Tensor]:
    """layer -> what steer() adds there: (d,) or per-row (batch, 1, d), float32 on CPU.

    The same arithmetic as steer(), so every engine adds bit-identical values.
    """
    check_compatible(steering.vector, model)
    n_layers = len(decoder_blocks(model))
    chosen = resolve_layers(steering.layers if steering.layers is not None else steering.vector.layers, n_layers)
    factor = scale_tensor(steering.scale if scale is None else scale)
    return {layer: factor * steering.vector.delta(layer, 1.0, steering.relative) for layer in chosen}


def input_device(model: nn.Module) -> torch.device:
    """Where a model's inputs go: accelerate's execution device when dispatched (its first parameters may
    be offloaded to "meta"), else the first parameter's device; CPU for a weightless (remote) model."""
    hook = model.__dict__.get("_hf_hook")
    device = getattr(hook, "execution_device", None)
    if device is None:
        device = next(model.parameters()).device
    device = torch.device(device if not isinstance(device, int) else f"cuda:{device}")
    return torch.device("cpu") if device.type == "meta" else device


def check_row_scales(prompts: Sequence[str], steering: Steering | None, row_scales: Sequence[float] | None) -> None:
    if row_scales is not None and (steering is None or len(row_scales) != len(prompts)):
        raise ValueError("row_scales needs a steering record and exactly one scale per prompt")


def generation_kwargs(config: GenerationConfig, tokenizer: Any) -> dict[str, Any]:
    return sampling_kwargs(config, tokenizer)


def generate_texts(
    tokenizer: Any,
    prompts: Sequence[str],
    config: GenerationConfig,
    run_batch: Callable[[dict[str, Tensor], list[float] | None, int], Tensor],
    row_scales: Sequence[float] | None = None,
    device: torch.device | str = "cpu",
    show_progress: bool = False,
) -> list[str]:
    """The batching, seeding, decoding and stop rules of secsteer.generation.generate, around any engine.

    run_batch(encoded left-padded batch, its row scales or None, batch number) -> (batch, seq) token ids.
    """
    outputs: list[str] = [""] * len(prompts)
    starts = range(0, len(prompts), config.batch_size)
    for b, start in enumerate(tqdm(starts, disable=not show_progress, desc="generate")):
        rows = list(range(start, min(start + config.batch_size, len(prompts))))
        batch = encode_left(tokenizer, [prompts[i] for i in rows], torch.device(device))
        scales = [row_scales[i] for i in rows] if row_scales is not None else None
        torch.manual_seed(config.seed + b)
        out = run_batch(batch, scales, b)
        new = out[:, batch["input_ids"].shape[1]:]
        for i, row in zip(rows, new, strict=True):
            outputs[i] = truncate_at_stop(tokenizer.decode(row, skip_special_tokens=True), config.stop)
    return outputs
