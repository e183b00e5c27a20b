"""Batched sampling of completions, optionally steered, with seeds and stop strings."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch
from torch import nn
from tqdm.auto import tqdm
from transformers import LogitsProcessorList

from secsteer.generation.contrastive import Contrastive, ContrastiveLogits, SteerRows
from secsteer.generation.prompts import truncate_at_stop
from secsteer.steering import apply as steering_apply  # a module import: names would cycle

if TYPE_CHECKING:
    from secsteer.steering.apply import Steering

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GenerationConfig:
    max_new_tokens: int = 128
    temperature: float = 0.0          # 0 means greedy
    top_p: float = 0.95
    seed: int = 0
    batch_size: int = 8
    stop: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")


@torch.inference_mode()
def generate(
    model: nn.Module,
    tokenizer: Any,
    prompts: Sequence[str],
    config: GenerationConfig = GenerationConfig(),
    steering: Steering | None = None,
    row_scales: Sequence[float] | None = None,
    show_progress: bool = False,
    *,
    contrastive: Contrastive | None = None,
    steer_rows: SteerRows | None = None,
) -> list[str]:
    """One completion per prompt (the new text only, cut at the first stop string).

    row_scales: one steering scale per prompt (needs `steering`), applied per batch row, so a batch can hold
    several scales of the same vector. Batch b is sampled with seed `config.seed + b`.
    contrastive: decode contrastively (generation/contrastive.py): the rows themselves stay unsteered and
    `steering` (or `steer_rows`, a per-row-scales context such as routed steering over the doubled batch)
    drives the ±v rows, each with its row's scale.
    """
    if row_scales is not None and (steering is None and steer_rows is None or len(row_scales) != len(prompts)):
        raise ValueError("row_scales needs a steering record and exactly one scale per prompt")
    if contrastive is not None and steering is None and steer_rows is None:
        raise ValueError("contrastive decoding needs a steering record (the vector of the +v and -v rows)")
    device = next(model.parameters()).device
    outputs: list[str] = [""] * len(prompts)
    starts = range(0, len(prompts), config.batch_size)
    for b, start in enumerate(tqdm(starts, disable=not show_progress, desc="generate")):
        rows = list(range(start, min(start + config.batch_size, len(prompts))))
        batch = encode_left(tokenizer, [prompts[i] for i in rows], device)
        scales = [row_scales[i] for i in rows] if row_scales is not None else None
        torch.manual_seed(config.seed + b)
        if contrastive is not None:
            out = contrastive_batch(model, tokenizer, batch, config, contrastive, steering, steer_rows, scales)
        else:
            with steering_apply.steering_context(model, steering, scales):
                out = model.generate(**batch, **sampling_kwargs(config, tokenizer))   # type: ignore[operator]
        new = out[:, batch["input_ids"].shape[1]:]
        for i, row in zip(rows, new):
            outputs[i] = truncate_at_stop(tokenizer.decode(row, skip_special_tokens=True), config.stop)
    return outputs


def contrastive_batch(
    model: nn.Module, tokenizer: Any, batch: dict[str, torch.Tensor], config: GenerationConfig,
    contrastive: Contrastive, steering: Steering | None, steer_rows: SteerRows | None,
    scales: list[float] | None,
) -> torch.Tensor:
    """model.generate on the unsteered rows, with the ±v rows folded into the logits (top-p applied there)."""
    n = batch["input_ids"].shape[0]
    scales = scales if scales is not None else [steering.scale if steering is not None else 1.0] * n
    rows = steer_rows or (lambda s: steering_apply.steering_context(model, steering, s))
    processor = ContrastiveLogits(model, rows, scales, [contrastive.alpha] * n, batch["attention_mask"],
                                  config.top_p, config.temperature, contrastive.beta)
    kwargs = sampling_kwargs(config, tokenizer)
    if config.temperature > 0:
        kwargs["top_p"] = 1.0                 # the processor keeps the base's top-p set itself
    return model.generate(**batch, **kwargs, logits_processor=LogitsProcessorList([processor]))  # type: ignore[operator, no-any-return]


def encode_left(tokenizer: Any, texts: list[str], device: torch.device) -> dict[str, torch.Tensor]:
    """Left-padded batch: every prompt ends at the same column, where generation (or the answer) starts."""
    side = tokenizer.padding_side
    tokenizer.padding_side = "left"
    try:
        bos = tokenizer.bos_token
        special = not (bos and texts[0].startswith(bos))      # a chat template already wrote the BOS token
        batch = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=special)
    finally:
        tokenizer.padding_side = side
    return {k: v.to(device) for k, v in batch.items()}


def sampling_kwargs(config: GenerationConfig, tokenizer: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "max_new_tokens": config.max_new_tokens,
        "pad_token_id": tokenizer.pad_token_id,
    }
    if config.temperature > 0:
        kwargs.update(do_sample=True, temperature=config.temperature, top_p=config.top_p, top_k=0)
    else:
        kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
    if config.stop:
        kwargs.update(stop_strings=list(config.stop), tokenizer=tokenizer)
    return kwargs
