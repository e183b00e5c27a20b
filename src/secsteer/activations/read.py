"""Read pooled hidden states of every chosen layer in one forward pass per batch.

Hooks pool each block's output in place, so only (batch, d_model) per layer is kept, never every token.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from contextlib import ExitStack, suppress
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from secsteer._util.memory import release_freed_memory
from secsteer.model.layers import decoder_blocks, resolve_layers

Pooling = Literal["mean", "last"]
# Trim the C heap after a batch whose (batch, seq, d_model) float32 states exceed this: reading SVEN's long,
# ragged batches otherwise grew the resident set by 5.7 GB where one batch needs 0.7 GB. Smaller batches are
# left alone: faulting the freed pages back in cost 10% of a forward pass there, and their fragments are small.
TRIM_BYTES = 8 * 2**20
Span = tuple[int, int]   # character offsets [start, end) into a text


@dataclass(frozen=True)
class Activations:
    pooled: dict[int, Tensor]       # layer -> (n_texts, d_model), float32 on CPU
    token_norm: dict[int, float]    # layer -> mean L2 norm of real tokens (position 0 left out)
    n_tokens: int                   # real tokens read

    @property
    def layers(self) -> list[int]:
        return sorted(self.pooled)


class _Stop(Exception):
    """Raised by the deepest hook: later layers are not needed."""


def block_output(output: Any) -> Tensor:
    # transformers 5.x blocks return a tensor; 4.x a tuple whose first item is the hidden states
    return output[0] if isinstance(output, tuple) else output


def pooling_weights(
    attention_mask: Tensor, pooling: Pooling, span_mask: Tensor | None = None
) -> Tensor:
    """(batch, seq) weights summing to 1 per row over the tokens that are pooled.

    "last" with a span mask takes the last token of the spans (e.g. the end of the changed call), and the
    last real token where a row's spans cover no token."""
    mask = attention_mask.float()
    if pooling == "last":
        last = attention_mask.cumsum(dim=1).argmax(dim=1)            # (batch,) last real token
        if span_mask is not None:
            inside = span_mask.bool() & attention_mask.bool()
            in_span = inside.long().cumsum(dim=1).argmax(dim=1)      # first column reaching the row's count
            last = torch.where(inside.any(dim=1), in_span, last)
        weights = torch.zeros_like(mask)
        weights[torch.arange(mask.size(0)), last] = 1.0
        return weights
    first = (attention_mask.cumsum(dim=1) == 1) & attention_mask.bool()
    weights = mask * (~first).float()                                # drop position 0: its norm dominates
    if span_mask is not None:
        weights = weights * span_mask.float()
    empty = weights.sum(dim=1) == 0
    weights[empty] = mask[empty]                                     # 1-token text or empty span: use all
    return weights / weights.sum(dim=1, keepdim=True)


def spans_to_mask(offsets: Tensor, spans: Sequence[Sequence[Span]]) -> Tensor:
    """(batch, seq) bool: tokens whose character range overlaps any span of their text."""
    starts, ends = offsets[..., 0], offsets[..., 1]                  # (batch, seq)
    mask = torch.zeros(starts.shape, dtype=torch.bool)
    for row, row_spans in enumerate(spans):
        for lo, hi in row_spans:
            mask[row] |= (starts[row] < hi) & (ends[row] > lo) & (ends[row] > starts[row])
    return mask


@torch.inference_mode()
def read_activations(
    model: nn.Module,
    tokenizer: Any,
    texts: Sequence[str],
    layers: Sequence[int] | str | None = None,
    pooling: Pooling = "mean",
    batch_size: int = 8,
    max_length: int | None = 1024,
    spans: Sequence[Sequence[Span]] | None = None,
    show_progress: bool = False,
) -> Activations:
    """Pooled block outputs for each text; a text reads the same alone or in a ragged batch.

    spans: per text, character ranges to pool over (diff-focused pooling); None pools the whole text.
    """
    if not texts:
        raise ValueError("no texts to read activations from")
    if spans is not None and len(spans) != len(texts):
        raise ValueError(f"got {len(spans)} span lists for {len(texts)} texts")
    blocks = decoder_blocks(model)
    chosen = resolve_layers(layers, len(blocks))
    sums: dict[int, list[Tensor]] = {layer: [] for layer in chosen}
    norm_parts: dict[int, list[Tensor]] = {layer: [] for layer in chosen}   # per-batch sums, on the layer's device
    state: dict[str, Tensor] = {}
    counted = 0

    def make_hook(layer: int, deepest: bool) -> Any:
        def hook(_module: nn.Module, _args: Any, output: Any) -> None:
            # Three direct ATen calls per layer, no host sync: a GPU read of small batches is bound by host-side
            # Python, where torch.einsum's equation parsing alone cost 7% of a read on an H100.
            hidden = block_output(output).float()                    # (batch, seq, d_model)
            sums[layer].append(torch.bmm(state["weights"], hidden).squeeze(1))
            norm_parts[layer].append(hidden.norm(dim=-1).flatten() @ state["norm_mask"])
            if deepest:
                raise _Stop
        return hook

    device = next(model.parameters()).device
    takes_positions = "position_ids" in inspect.signature(model.forward).parameters
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))   # similar lengths share a batch
    with ExitStack() as stack:
        for layer in chosen:
            handle = blocks[layer].register_forward_hook(make_hook(layer, layer == chosen[-1]))
            stack.callback(handle.remove)
        for start in tqdm(range(0, len(texts), batch_size), disable=not show_progress, desc="activations"):
            rows = order[start : start + batch_size]
            batch = tokenize_right(tokenizer, [texts[i] for i in rows], max_length, spans is not None)
            span_mask = spans_to_mask(batch.pop("offset_mapping"), [spans[i] for i in rows]) if spans else None
            mask = batch["attention_mask"]
            state["weights"] = pooling_weights(mask, pooling, span_mask).unsqueeze(1).to(device)   # (batch, 1, seq)
            first = (mask.cumsum(dim=1) == 1) & mask.bool()
            norm_mask = (mask.bool() & ~first).float()                # (batch, seq), counted on the host
            counted += int(norm_mask.sum())
            state["norm_mask"] = norm_mask.flatten().to(device)
            inputs = {k: v.to(device) for k, v in batch.items()}
            if takes_positions:
                inputs["position_ids"] = (inputs["attention_mask"].cumsum(-1) - 1).clamp(min=0)
            with suppress(_Stop):                                     # the deepest hook ends the pass
                model(**inputs, use_cache=False)
            hidden_bytes = mask.numel() * sums[chosen[-1]][-1].shape[-1] * 4
            if device.type == "cpu" and hidden_bytes >= TRIM_BYTES:
                release_freed_memory()           # long ragged batches fragment the heap by GBs otherwise
    inverse = torch.tensor(order).argsort()                          # back to the caller's order
    pooled = {layer: torch.cat(chunks).cpu()[inverse] for layer, chunks in sums.items()}
    token_norm = {layer: float(torch.stack(norm_parts[layer]).double().sum()) / max(counted, 1) for layer in chosen}
    return Activations(pooled=pooled, token_norm=token_norm, n_tokens=counted)


def tokenize_right(tokenizer: Any, texts: list[str], max_length: int | None, offsets: bool) -> dict[str, Tensor]:
    side = tokenizer.padding_side
    tokenizer.padding_side = "right"     # right padding: real tokens sit at positions 0..n-1
    try:
        return dict(tokenizer(
            texts, return_tensors="pt", padding=True, truncation=max_length is not None,
            max_length=max_length, return_offsets_mapping=offsets,
        ))
    finally:
        tokenizer.padding_side = side
