"""Per-row sampling: each row has its own temperature, top-p and random generator, so one batch can mix
greedy and sampled requests, and a seeded request draws the same tokens whatever batch it lands in."""

from __future__ import annotations

import secrets
from collections.abc import Sequence

import torch
from torch import Tensor

from secsteer.serve.engine import Row


def next_tokens(logits: Tensor, rows: Sequence[Row]) -> Tensor:
    """logits: (batch, vocab) float32 -> (batch,) token ids on the CPU."""
    chosen = logits.argmax(dim=-1).cpu()                      # greedy rows (temperature 0)
    for k, row in enumerate(rows):
        if row.temperature > 0:
            if row.rng is None:
                seed = row.seed if row.seed is not None else secrets.randbits(63)
                row.rng = torch.Generator().manual_seed(seed)
            chosen[k] = sample(logits[k].cpu(), row.temperature, row.top_p, row.rng)
    return chosen


def sample(logits: Tensor, temperature: float, top_p: float, rng: torch.Generator) -> int:
    """One token from softmax(logits / temperature), restricted to the smallest top-p nucleus."""
    probs = torch.softmax(logits / temperature, dim=-1)       # (vocab,)
    if top_p >= 1.0:
        return int(torch.multinomial(probs, 1, generator=rng))
    sorted_p, order = probs.sort(descending=True)
    before = sorted_p.cumsum(-1) - sorted_p                   # mass of the more likely tokens
    sorted_p = sorted_p * (before < top_p)                    # the top token always stays
    return int(order[torch.multinomial(sorted_p, 1, generator=rng)])
