"""The hook engine: a Hugging Face causal LM decoded step by step under secsteer's steering hooks.

One batched forward per step over every live row. Rows carry their own steering: each vector present in
the batch is applied through steer() with per-row scales (0 for rows that use another vector or none),
so requests with different steering share a batch. Finished rows are dropped from the KV cache.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from secsteer.serve.engine import Row, TokenizerText, VectorInfo
from secsteer.serve.sampling import next_tokens
from secsteer.steering.apply import Steering, steer


class HookEngine(TokenizerText):
    per_row_steering = True

    def __init__(
        self, model: nn.Module, tokenizer: Any, name: str, steerings: Mapping[str, Steering] | None = None,
        default_scale: float = 0.0,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.name = name
        self.steerings = dict(steerings or {})
        for steering in self.steerings.values():      # refuse a vector for another model shape at start
            with steer(model, steering.vector, steering.layers, 0.0):
                pass
        self.vectors = {
            n: VectorInfo(n, tuple(s.layers or s.vector.layers), s.relative) for n, s in self.steerings.items()
        }
        self.default_vector = next(iter(self.steerings), None)
        self.default_scale = default_scale if self.steerings else 0.0
        self.context_length = context_length(model, tokenizer)
        self.eos_ids = eos_ids(model, tokenizer)
        self.device = next(model.parameters()).device
        # transformers >= 5.2x names the KV cache argument `cache` (past_key_values is deprecated)
        self.cache_kwarg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
        pad = tokenizer.pad_token_id
        self.pad_id = int(pad if pad is not None else min(self.eos_ids, default=0))
        self.joins_running_batch = False      # known after the first prefill shows the cache's kind
        self._tokenizer_lock = threading.Lock()

    @torch.inference_mode()
    def run(self, rows: Sequence[Row]) -> Iterator[None]:
        """Decode `rows` together. Rows appended to `rows` while this runs join at the next step (once
        `joins_running_batch` is true): they are prefilled alone and their KV cache merged in, left-padded."""
        seen = len(rows)
        batch = self._prefill(list(rows))
        while True:
            tokens = next_tokens(batch.logits, batch.rows)                     # (batch,)
            for row, token in zip(batch.rows, tokens.tolist()):
                row.tokens.append(token)
            yield                                                              # the scheduler marks rows done
            joining, seen = list(rows[seen:]), len(rows)
            keep = [k for k, row in enumerate(batch.rows) if not row.done]
            if not keep and not joining:
                return
            if keep:
                batch = self._decode(batch.select(keep), tokens[torch.tensor(keep)])
            if joining:
                new = self._prefill(joining)
                batch = merge(batch, new) if keep else new

    def _prefill(self, rows: list[Row]) -> Batch:
        ids, mask = self._left_pad([r.prompt_ids for r in rows])           # (batch, prompt)
        positions = (mask.cumsum(-1) - 1).clamp(min=0)
        with self._steering(rows):
            out = self.model(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True,
                             logits_to_keep=1)
        cache = output_cache(out)
        self.joins_running_batch = mergeable(cache)
        return Batch(rows, cache, mask, positions[:, -1:], out.logits[:, -1, :].float())

    def _decode(self, batch: Batch, tokens: Tensor) -> Batch:
        mask = torch.cat([batch.mask, batch.mask.new_ones(len(batch.rows), 1)], dim=1)
        positions = batch.positions + 1
        with self._steering(batch.rows):
            out = self.model(input_ids=tokens[:, None].to(self.device), attention_mask=mask,
                             position_ids=positions, use_cache=True, **{self.cache_kwarg: batch.cache})
        return Batch(batch.rows, batch.cache, mask, positions, out.logits[:, -1, :].float())

    def _steering(self, rows: Sequence[Row]) -> ExitStack:
        """One steer() per vector present among the rows, each with per-row scales."""
        stack = ExitStack()
        for name in sorted({r.vector for r in rows if r.vector is not None and r.scale != 0}):
            steering = self.steerings[name]
            scales = [r.scale if r.vector == name else 0.0 for r in rows]
            stack.enter_context(steer(self.model, steering.vector, steering.layers, scales,
                                      relative=steering.relative, positions=steering.positions))
        return stack

    def _left_pad(self, prompts: list[list[int]]) -> tuple[Tensor, Tensor]:
        width = max(len(p) for p in prompts)
        ids = torch.full((len(prompts), width), self.pad_id, dtype=torch.long)
        mask = torch.zeros((len(prompts), width), dtype=torch.long)
        for i, p in enumerate(prompts):
            ids[i, width - len(p):] = torch.tensor(p, dtype=torch.long)
            mask[i, width - len(p):] = 1
        return ids.to(self.device), mask.to(self.device)


@dataclass
class Batch:
    """The live rows of a generation and their state: KV cache, attention mask (batch, width), last position
    ids (batch, 1), and the logits (batch, vocab) of each row's next token."""
    rows: list[Row]
    cache: Any
    mask: Tensor
    positions: Tensor
    logits: Tensor

    def select(self, keep: list[int]) -> Batch:
        """Only the rows at `keep`; the others' KV cache rows are freed."""
        if len(keep) == len(self.rows):
            return self
        index = torch.tensor(keep, device=self.mask.device)
        self.cache.batch_select_indices(index)
        return Batch([self.rows[k] for k in keep], self.cache, self.mask[index], self.positions[index],
                     self.logits[index])


def mergeable(cache: Any) -> bool:
    """Whether two caches of this kind can be merged by left-padding: plain per-layer key/value tensors."""
    try:
        from transformers.cache_utils import DynamicLayer
    except ImportError:                        # transformers 4.x: no per-layer objects, no joining
        return False
    layers = getattr(cache, "layers", None) or []
    return bool(layers) and all(type(layer) is DynamicLayer for layer in layers)


def merge(a: Batch, b: Batch) -> Batch:
    """One batch of a's rows then b's: caches and masks left-padded to the same width (padding is masked)."""
    width = max(a.mask.shape[1], b.mask.shape[1])
    for la, lb in zip(a.cache.layers, b.cache.layers):
        la.keys = torch.cat([pad_left(la.keys, width, -2), pad_left(lb.keys, width, -2)])   # (batch, heads, width, d)
        la.values = torch.cat([pad_left(la.values, width, -2), pad_left(lb.values, width, -2)])
    mask = torch.cat([pad_left(a.mask, width, -1), pad_left(b.mask, width, -1)])
    return Batch(a.rows + b.rows, a.cache, mask, torch.cat([a.positions, b.positions]),
                 torch.cat([a.logits, b.logits]))


def pad_left(t: Tensor, width: int, dim: int) -> Tensor:
    missing = width - t.shape[dim]
    if missing == 0:
        return t
    shape = list(t.shape)
    shape[dim] = missing
    return torch.cat([t.new_zeros(shape), t], dim=dim)


def context_length(model: nn.Module, tokenizer: Any) -> int:
    config = model.config
    for name in ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    limit = getattr(tokenizer, "model_max_length", None)
    return int(limit) if isinstance(limit, int) and 0 < limit < 10**7 else 2048


def eos_ids(model: nn.Module, tokenizer: Any) -> frozenset[int]:
    """The tokens that end an answer: the generation config's (what generate() stops at) and the tokenizer's."""
    found: set[int] = set()
    config_eos = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    for value in (config_eos, tokenizer.eos_token_id):
        if isinstance(value, int):
            found.add(value)
        elif isinstance(value, (list, tuple)):
            found.update(int(v) for v in value)
    return frozenset(found)



def output_cache(out: Any) -> Any:
    cache = getattr(out, "cache", None)
    return cache if cache is not None else out.past_key_values
