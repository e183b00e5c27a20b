"""Absolute figures against the hardware: decode speed vs the memory-bandwidth bound, bf16 vs fp32."""

from __future__ import annotations

import copy
import dataclasses
import statistics
import time
from typing import Any

import torch
from torch import nn

from benchmarks.context import Context
from benchmarks.models import PROMPTS
from benchmarks.timing import Figure, cpu_flags, from_paired, interleaved


def read_bandwidth(n_bytes: int, reps: int = 5) -> dict[str, float]:
    """Best bytes/s of streaming a float32 tensor far larger than the caches, by two kernels.

    A sum is the plainest read; a matrix-vector product is the kernel decoding spends its time in (its
    loads are prefetched differently). The bound uses the faster of the two.
    """
    x = torch.ones(n_bytes // 4)
    matrix, vector = x.view(-1, 4096), torch.ones(4096)
    x.sum()                                    # fault the pages in before timing
    result = {}
    for name, fn in (("sum", lambda: x.sum()), ("gemv", lambda: torch.mv(matrix, vector))):
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            best = min(best, time.perf_counter() - t0)
        result[name] = n_bytes / best
    return result


def weight_bytes(model: nn.Module) -> int:
    """Bytes of parameters, each storage counted once (tied embeddings are read once per step, as the head)."""
    seen: dict[int, int] = {}
    for p in model.parameters():
        seen[p.data_ptr()] = p.numel() * p.element_size()
    return sum(seen.values())


def fixed_generate(model: Any, batch: dict[str, torch.Tensor], n: int, pad: int) -> None:
    """Greedy decoding of exactly n tokens (EOS cannot end it early, so both sides do the same work)."""
    with torch.inference_mode():
        model.generate(**batch, max_new_tokens=n, min_new_tokens=n, do_sample=False, pad_token_id=pad,
                       temperature=None, top_p=None, top_k=None)


def encode(tok: Any, prompts: list[str]) -> dict[str, torch.Tensor]:
    side, tok.padding_side = tok.padding_side, "left"
    try:
        return dict(tok(prompts, return_tensors="pt", padding=True))
    finally:
        tok.padding_side = side


def absolute_model(ctx: Context) -> tuple[nn.Module, Any, str]:
    """The bundled model in full mode (real weights, real vocabulary); the engine model in quick mode."""
    if ctx.quick:
        model, tok = ctx.models.engine()
        return model, tok, ctx.size.name
    model, tok = ctx.models.bundled()
    return model, tok, "bundled qwen2.5-coder-0.5b fp32"


def decode_bandwidth(ctx: Context) -> Figure:
    model, tok, label = absolute_model(ctx)
    measured = read_bandwidth((256 if ctx.quick else 2048) * 2**20)
    bandwidth = max(measured.values())
    size = weight_bytes(model)
    bound = bandwidth / size                                         # tokens/s if every step reads every weight once
    batch = encode(tok, PROMPTS[:1])
    n = ctx.new_tokens
    pad = int(tok.pad_token_id)
    paired = interleaved(lambda: fixed_generate(model, batch, 1, pad), lambda: fixed_generate(model, batch, n + 1, pad),
                         max(ctx.reps // 2, 2))
    rates = [n / (long - short) for short, long in zip(paired.baseline, paired.variant, strict=True)]
    ratios = [r / bound for r in rates]
    return Figure(
        "decode_bw", f"decode tok/s / bandwidth bound, batch 1 ({label})", "ok",
        statistics.median(ratios), (min(ratios), max(ratios)), None,
        {"decode_tok_per_s": statistics.median(rates), "bound_tok_per_s": bound, "read_gb_per_s": bandwidth / 1e9,
         "read_gb_per_s_by_kernel": {k: v / 1e9 for k, v in measured.items()},
         "weight_mb": size / 2**20, "new_tokens": n},
        note=f"{statistics.median(rates):.1f} tok/s vs bound {bound:.1f} tok/s at {bandwidth / 1e9:.1f} GB/s",
    )


def bf16_vs_fp32(ctx: Context, batch: int) -> Figure:
    model, tok, label = absolute_model(ctx)
    half = copy.deepcopy(model).to(torch.bfloat16)
    inputs = encode(tok, (PROMPTS * batch)[:batch])
    n = ctx.new_tokens if ctx.quick else 32
    pad = int(tok.pad_token_id)
    paired = interleaved(lambda: fixed_generate(model, inputs, n, pad), lambda: fixed_generate(half, inputs, n, pad),
                         max(ctx.reps // 2, 2))
    figure = from_paired(f"bf16_b{batch}", f"bf16 / fp32 generate time, batch {batch}, {n} tok ({label})", paired,
                         amx="amx_bf16" in cpu_flags())
    verdict = "bf16 SLOWER" if figure.ratio and figure.ratio > 1 else "bf16 faster"
    return dataclasses.replace(figure, note=verdict)


FIGURES = {
    "decode_bw": decode_bandwidth,
    "bf16_b1": lambda ctx: bf16_vs_fp32(ctx, 1),
    "bf16_b16": lambda ctx: bf16_vs_fp32(ctx, 16),
}
