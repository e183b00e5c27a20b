"""The default engine: plain PyTorch forward hooks (read_activations, steer() + HF generate)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from secsteer.activations.read import Activations, Pooling, Span, read_activations
from secsteer.backends.base import (
    DEFAULT_CONFIG,
    Generated,
    check_row_scales,
    generation_kwargs,
    input_device,
)
from secsteer.generation.generate import GenerationConfig, encode_left, generate
from secsteer.steering.apply import Steering, steering_context


class HookBackend:
    """Runs everything in this process through forward hooks; the reference the other engines match."""
    name = "hooks"

    def load(self, spec: str, **options: Any) -> tuple[Any, Any]:
        from secsteer.model.load import load_model

        return load_model(spec, **options)

    def read(
        self, model: Any, tokenizer: Any, texts: Sequence[str], layers: Sequence[int] | str | None = None,
        pooling: Pooling = "mean", batch_size: int = 8, max_length: int | None = 1024,
        spans: Sequence[Sequence[Span]] | None = None, show_progress: bool = False,
    ) -> Activations:
        return read_activations(model, tokenizer, texts, layers, pooling, batch_size, max_length, spans, show_progress)

    def generate(
        self, model: Any, tokenizer: Any, prompts: Sequence[str], config: GenerationConfig = DEFAULT_CONFIG,
        steering: Steering | None = None, row_scales: Sequence[float] | None = None, show_progress: bool = False,
    ) -> list[str]:
        return generate(model, tokenizer, prompts, config, steering, row_scales, show_progress)

    @torch.inference_mode()
    def generate_logits(
        self, model: Any, tokenizer: Any, prompts: Sequence[str], config: GenerationConfig = DEFAULT_CONFIG,
        steering: Steering | None = None, row_scales: Sequence[float] | None = None,
    ) -> Generated:
        """All prompts as one batch, seeded with config.seed, returning the scores of every step."""
        check_row_scales(prompts, steering, row_scales)
        batch = encode_left(tokenizer, list(prompts), input_device(model))
        torch.manual_seed(config.seed)
        with steering_context(model, steering, list(row_scales) if row_scales is not None else None):
            out = model.generate(**batch, **generation_kwargs(config, tokenizer),
                                 output_logits=True, return_dict_in_generate=True)
        return Generated(sequences=out.sequences, logits=tuple(out.logits),
                         prompt_length=int(batch["input_ids"].shape[1]))
