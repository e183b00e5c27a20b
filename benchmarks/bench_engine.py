"""Engine ratios on a random model: steered vs plain generate, a per-row scale sweep, extraction vs forward."""

from __future__ import annotations

import inspect
from dataclasses import replace
from typing import Any

import torch
from torch import nn

from benchmarks.context import Context
from benchmarks.models import CORPUS, PROMPTS, random_vector
from benchmarks.timing import Figure, from_paired, interleaved
from secsteer.activations.read import read_activations
from secsteer.generation.generate import GenerationConfig, generate
from secsteer.model.layers import num_layers
from secsteer.steering.apply import Steering

SWEEP_SCALES = (0.25, 0.5, 1.0, 2.0)


def steering_for(model: nn.Module, scale: float = 0.5) -> Steering:
    """A random vector steering three layers spread over the depth, the way a layer sweep would."""
    n = num_layers(model)
    layers = sorted({n // 4, n // 2, (3 * n) // 4})
    return Steering(random_vector(model, layers), tuple(layers), scale)


def steer_generate(ctx: Context, batch: int) -> Figure:
    model, tok = ctx.models.engine()
    steering = steering_for(model)
    prompts = (PROMPTS * batch)[:batch]
    config = GenerationConfig(max_new_tokens=ctx.new_tokens, batch_size=batch)
    paired = interleaved(
        lambda: generate(model, tok, prompts, config),
        lambda: generate(model, tok, prompts, config, steering=steering),
        ctx.reps,
    )
    tokens = batch * ctx.new_tokens
    return from_paired(
        f"steer_b{batch}",
        f"steered / plain generate, batch {batch}, {ctx.new_tokens} tok, {len(steering.layers or ())} layers",
        paired, ("<=", 1.03), model=ctx.size.name, plain_tok_per_s=tokens / paired.summary()["baseline_s"],
    )


def scale_sweep(ctx: Context) -> Figure:
    """S scales in one batched call (per-row scales, batch 4 per scale) vs S calls at batch 4."""
    model, tok = ctx.models.engine()
    steering = steering_for(model)
    prompts = PROMPTS[:4]
    rows = prompts * len(SWEEP_SCALES)
    row_scales = [s for s in SWEEP_SCALES for _ in prompts]
    together = GenerationConfig(max_new_tokens=ctx.new_tokens, batch_size=len(rows))
    apart = GenerationConfig(max_new_tokens=ctx.new_tokens, batch_size=len(prompts))

    def separate() -> None:
        for s in SWEEP_SCALES:
            generate(model, tok, prompts, apart, steering=replace(steering, scale=s))

    paired = interleaved(
        separate, lambda: generate(model, tok, rows, together, steering=steering, row_scales=row_scales), ctx.reps
    )
    return from_paired(
        "sweep_s4", f"S=4 scales per-row (batch 16) / 4 runs at batch 4, {ctx.new_tokens} tok",
        paired, ("<=", 0.5), model=ctx.size.name,
    )


def extraction_texts(n: int) -> list[str]:
    """n code texts of varied length (1 to 8 snippets each), deterministic."""
    snippets = CORPUS + PROMPTS
    return ["".join(snippets[(i + k) % len(snippets)] for k in range(1 + i % 8)) for i in range(n)]


def plain_forward(model: nn.Module, tok: Any, texts: list[str], batch_size: int, max_length: int = 1024) -> None:
    """The same batches as read_activations (sorted by length, right-padded), through a plain forward.

    Only the last position's logits are computed (logits_to_keep=1) where the model supports it, so the
    baseline is the decoder stack, as extraction is; a full-vocabulary head would flatter extraction.
    """
    params = inspect.signature(model.forward).parameters
    extra = {"logits_to_keep": 1} if "logits_to_keep" in params else {}
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    side, tok.padding_side = tok.padding_side, "right"
    try:
        with torch.inference_mode():
            for start in range(0, len(texts), batch_size):
                batch = tok([texts[i] for i in order[start:start + batch_size]], return_tensors="pt",
                            padding=True, truncation=True, max_length=max_length)
                if "position_ids" in params:
                    batch["position_ids"] = (batch["attention_mask"].cumsum(-1) - 1).clamp(min=0)
                model(**batch.to(model.device), use_cache=False, **extra)
    finally:
        tok.padding_side = side


def extraction(ctx: Context) -> Figure:
    model, tok = ctx.models.engine()
    texts = extraction_texts(16 if ctx.quick else 48)
    n_tokens = int(sum(len(ids) for ids in tok(texts)["input_ids"]))
    paired = interleaved(
        lambda: plain_forward(model, tok, texts, batch_size=8),
        lambda: read_activations(model, tok, texts, "all", batch_size=8),
        ctx.reps,
    )
    summary = paired.summary()
    return from_paired(
        "extract", "extraction (all layers, pooled) / plain forward, tokens/s", paired, (">=", 0.9),
        inverse=True, model=ctx.size.name, texts=len(texts), tokens=n_tokens,
        forward_tok_per_s=n_tokens / summary["baseline_s"], extract_tok_per_s=n_tokens / summary["variant_s"],
    )


FIGURES = {
    "steer_b1": lambda ctx: steer_generate(ctx, 1),
    "steer_b8": lambda ctx: steer_generate(ctx, 8),
    "sweep_s4": scale_sweep,
    "extract": extraction,
}
