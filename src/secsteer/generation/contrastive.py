"""Contrastive security decoding: next-token logits = base + alpha · (plus − minus), plausible tokens only.

At every step the unsteered batch (the base rows, run by `model.generate` itself) is joined by two steered
copies of each row, one with +v and one with −v (per-row scales, one forward call). Their logit difference
is added to the base logits, then every token outside the base model's plausible set is removed:
- beta = 0 (default): the base's top-p set, the same set `top_p` sampling keeps, at the sampling
  temperature (at T = 1 for greedy decoding);
- beta > 0: the tokens whose base probability (at T = 1) is at least beta × the most likely token's, the
  adaptive plausibility constraint of contrastive decoding (Li et al. 2023; their alpha, called beta here to
  keep alpha for the strength). It can admit tokens that top-p at a low temperature would cut, which is
  where a secure alternative the model finds unlikely but possible sits.

The contrast can only reorder tokens the base model already finds plausible, which protects validity.
With alpha = 0 and beta = 0 the logits that reach the sampler are the plain ones, bit for bit, so the
tokens are the plain tokens (with beta > 0, greedy tokens are); alpha is in logit units before the
temperature divides them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn
from transformers import LogitsProcessor, TemperatureLogitsWarper, TopPLogitsWarper

__all__ = ["Contrastive", "ContrastiveLogits", "plausible_mask"]

SteerRows = Callable[[list[float]], AbstractContextManager[Any]]   # per-row scales -> steering context


@dataclass(frozen=True)
class Contrastive:
    """Settings of contrastive security decoding (see the module docstring)."""
    alpha: float = 1.0        # weight of (plus − minus) logits; 0 gives plain decoding
    beta: float = 0.0         # > 0: keep tokens with p >= beta · max p instead of the top-p set

    def __post_init__(self) -> None:
        if not (self.alpha >= 0 and self.alpha != float("inf")):
            raise ValueError(f"alpha must be a finite number >= 0, got {self.alpha}")
        if not 0 <= self.beta <= 1:
            raise ValueError(f"beta must be in [0, 1], got {self.beta}")


def plausible_mask(scores: Tensor, top_p: float, temperature: float, beta: float = 0.0) -> Tensor:
    """(batch, vocab) bool: tokens the base model finds plausible: p >= beta · max p when beta > 0, else the
    top-p set at the sampling temperature."""
    if beta > 0:
        probs = scores.float().softmax(dim=-1)
        return probs >= beta * probs.max(dim=-1, keepdim=True).values
    if top_p >= 1.0:
        return torch.ones_like(scores, dtype=torch.bool)
    scaled = TemperatureLogitsWarper(temperature)(None, scores) if temperature > 0 else scores  # type: ignore[arg-type]
    return torch.isfinite(TopPLogitsWarper(top_p)(None, scaled))  # type: ignore[arg-type]


class ContrastiveLogits(LogitsProcessor):
    """A logits processor that runs the ±v rows with their own KV cache beside `model.generate`'s base rows.

    It must come before the temperature and top-p warpers (transformers puts custom processors there), and
    generate must run with top_p = 1, since this processor applies the top-p mask itself.
    """

    def __init__(self, model: nn.Module, steer_rows: SteerRows, scales: Sequence[float], alphas: Sequence[float],
                 attention_mask: Tensor, top_p: float, temperature: float, beta: float = 0.0) -> None:
        if not len(scales) == len(alphas) == attention_mask.shape[0]:
            raise ValueError("give one scale and one alpha per batch row")
        self.model, self.steer_rows = model, steer_rows
        self.row_scales = [float(s) for s in scales] + [-float(s) for s in scales]    # plus rows, minus rows
        self.alphas = torch.tensor([float(a) for a in alphas], dtype=torch.float32).view(-1, 1)
        self.mask = attention_mask.repeat(2, 1)
        self.top_p, self.temperature, self.beta = top_p, temperature, beta
        self.cache: Any = None
        params = inspect.signature(model.forward).parameters
        self.takes_positions = "position_ids" in params
        self.cache_name = "cache" if "cache" in params else "past_key_values"   # renamed in transformers 5.2x

    def steered_logits(self, input_ids: Tensor) -> tuple[Tensor, Tensor]:
        """(plus, minus) next-token logits, float32, each (batch, vocab)."""
        if self.cache is None:                      # first step: the whole (left-padded) prompt
            ids = input_ids.repeat(2, 1)
            positions = (self.mask.cumsum(-1) - 1).clamp(min=0)
        else:                                       # later steps: the token chosen last, fed back
            ids = input_ids[:, -1:].repeat(2, 1)
            self.mask = torch.cat([self.mask, self.mask.new_ones(self.mask.shape[0], 1)], dim=1)
            positions = self.mask.sum(-1, keepdim=True) - 1
        kwargs: dict[str, Any] = {"attention_mask": self.mask, "use_cache": True}
        if self.takes_positions:
            kwargs["position_ids"] = positions
        if self.cache is not None:
            kwargs[self.cache_name] = self.cache
        with self.steer_rows(self.row_scales):
            out = self.model(input_ids=ids, **kwargs)
        self.cache = getattr(out, "cache", None) or out.past_key_values
        logits = out.logits[:, -1, :].float()
        n = input_ids.shape[0]
        return logits[:n], logits[n:]

    def __call__(self, input_ids: Tensor, scores: Tensor) -> Tensor:
        plus, minus = self.steered_logits(input_ids)
        width = scores.shape[-1]                    # some models pad the vocabulary of the head
        alphas = self.alphas.to(scores.device, scores.dtype)
        combined = scores + alphas * (plus[:, :width] - minus[:, :width]).to(scores.dtype)
        keep = plausible_mask(scores, self.top_p, self.temperature, self.beta)
        return combined.masked_fill(~keep, float("-inf"))
