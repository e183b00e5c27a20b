"""Hook factories. Which positions a call steers is decided once per forward call, from the KV cache."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import torch
from torch import Tensor, nn

ForwardHook = Callable[[nn.Module, Any, Any], Any]


class Positions(str, Enum):
    ALL = "all"              # every position of every forward call
    PROMPT = "prompt"        # positions of a call that starts at position 0 (the prompt pass)
    GENERATED = "generated"  # positions of cached decoding calls (tokens the model generated)

    @classmethod
    def parse(cls, value: str | Positions) -> Positions:
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"positions must be one of {[p.value for p in cls]}, got {value!r}") from None


@dataclass
class CallState:
    """Where the current forward call starts in the sequence; set by a pre-hook on the whole model."""
    start: int = 0
    prompt_len: int = 0

    def pre_hook(self, _module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.start = past_length(cache_kwarg(kwargs))
        if self.start == 0:
            ids = kwargs.get("input_ids", args[0] if args else None)
            embeds = kwargs.get("inputs_embeds")
            source = ids if ids is not None else embeds
            self.prompt_len = int(source.shape[1]) if source is not None else 0

    @property
    def generated_step(self) -> int:
        """0 for the first generated token fed back, 1 for the next, ..."""
        return max(self.start - self.prompt_len, 0)


def cache_kwarg(kwargs: dict[str, Any]) -> Any:
    """The KV cache of a forward call: transformers >= 5.2x passes it as `cache`, earlier as `past_key_values`."""
    for name in ("cache", "past_key_values", "cache_params"):
        if kwargs.get(name) is not None:
            return kwargs[name]
    return None


def past_length(past: Any) -> int:
    if past is None:
        return 0
    if hasattr(past, "get_seq_length"):
        return int(past.get_seq_length())
    if isinstance(past, (tuple, list)) and past and past[0] is not None:   # legacy tuple cache
        return int(past[0][0].shape[-2])
    return 0


def wants(positions: Positions, state: CallState) -> bool:
    if positions is Positions.ALL:
        return True
    return (state.start == 0) == (positions is Positions.PROMPT)


def add_delta_hook(
    delta: Tensor,
    positions: Positions,
    state: CallState,
    schedule: Callable[[int], float] | None = None,
) -> ForwardHook:
    """Add `delta` ((d,) or per-row (batch, 1, d), already on the block's device) to the block output."""
    cast: dict[tuple[torch.device, torch.dtype], Tensor] = {(delta.device, delta.dtype): delta}

    def hook(_module: nn.Module, _args: Any, output: Any) -> Any:
        if not wants(positions, state):
            return None
        hidden = output[0] if isinstance(output, tuple) else output          # (batch, seq, d_model)
        d = cast.get((hidden.device, hidden.dtype))
        if d is None:   # offloaded blocks keep weights on "meta": follow the hidden states, once per device
            d = cast[(hidden.device, hidden.dtype)] = delta.to(hidden.device, hidden.dtype)
        if d.ndim == 3 and d.shape[0] != hidden.shape[0]:
            raise ValueError(f"per-row scales give {d.shape[0]} rows but the batch has {hidden.shape[0]}")
        if schedule is not None and state.start > 0:
            d = d * schedule(state.generated_step)
        steered = hidden + d
        return (steered, *output[1:]) if isinstance(output, tuple) else steered

    return hook
