"""Which next tokens a steering vector makes more or less likely, measured rather than read off.

Reading a mid-layer direction through the unembedding (the "logit lens") ignores every later layer.
Here the model reads real code twice, plain and steered, and the change in next-token log-probability
is averaged over every position of every text. A vector that mostly raises ")" or "\\n" says what
steering with it will do before any sample is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from secsteer.steering.apply import steer
from secsteer.vectors.vector import SteeringVector

__all__ = ["TokenEffects", "token_change"]


@dataclass(frozen=True)
class TokenEffects:
    raised: list[tuple[str, float]]        # (token text, mean Δ log-prob), largest first
    lowered: list[tuple[str, float]]       # most negative first
    positions: int                         # how many next-token predictions were averaged

    @classmethod
    def top(cls, change: Tensor, tokenizer: Any, positions: int, k: int = 15) -> TokenEffects:
        """The k tokens token_change() raised and lowered most."""
        if k < 1:
            raise ValueError(f"top must be >= 1, got {k}")
        k = min(k, change.numel())
        up, down = torch.topk(change, k), torch.topk(-change, k)
        return cls(raised=[(tokenizer.decode([int(i)]), float(change[i])) for i in up.indices],
                   lowered=[(tokenizer.decode([int(i)]), float(change[i])) for i in down.indices],
                   positions=positions)

    def as_text(self) -> str:
        def column(rows: list[tuple[str, float]]) -> list[str]:
            return [f"{delta:+7.3f}  {token!r}" for token, delta in rows]
        lines = [f"mean change in next-token log-probability over {self.positions} positions",
                 "raised:", *column(self.raised), "lowered:", *column(self.lowered)]
        return "\n".join(lines)


@torch.no_grad()
def _mean_logprobs(model: nn.Module, tokenizer: Any, texts: Sequence[str], max_tokens: int) -> tuple[Tensor, int]:
    total: Tensor | None = None
    count = 0
    for text in texts:          # one at a time: no padding to mask, and texts differ widely in length
        ids = tokenizer(text, return_tensors="pt", truncation=True, max_length=max_tokens)["input_ids"]
        ids = ids.to(next(model.parameters()).device)
        logprobs = torch.log_softmax(model(input_ids=ids).logits[0].float(), dim=-1)
        summed = logprobs.sum(dim=0).cpu()
        total = summed if total is None else total + summed
        count += logprobs.shape[0]
    if total is None or count == 0:
        raise ValueError("token_change needs at least one non-empty text")
    return total / count, count


def token_change(
    model: nn.Module,
    tokenizer: Any,
    vector: SteeringVector,
    texts: Sequence[str],
    layers: Sequence[int] | str | None = None,
    scale: float = 0.25,
    *,
    relative: bool = True,
    max_tokens: int = 512,
) -> tuple[Tensor, int]:
    """(vocab,) mean steered minus plain next-token log-probability over `texts`, and the positions read.
    `layers` as steer() takes them: a list, a spec such as "4,12", or None for all the vector has."""
    plain, positions = _mean_logprobs(model, tokenizer, texts, max_tokens)
    with steer(model, vector, layers, scale, relative=relative):
        steered, _ = _mean_logprobs(model, tokenizer, texts, max_tokens)
    return steered - plain, positions
