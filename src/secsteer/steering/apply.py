"""steer(): a context manager that adds scale · v[layer] to chosen block outputs, and always cleans up."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from secsteer.model.layers import decoder_blocks, resolve_layers
from secsteer.steering.hooks import CallState, Positions, add_delta_hook
from secsteer.vectors.vector import SteeringVector, check_compatible

Scale = float | Sequence[float] | Tensor


@dataclass(frozen=True)
class Steering:
    """Everything that defines one steered condition (used by generation and experiments)."""
    vector: SteeringVector
    layers: tuple[int, ...] | None = None      # None: every layer the vector has
    scale: float = 1.0
    relative: bool = True                      # scale in units of the layer's typical residual norm
    positions: str = "all"
    schedule: Callable[[int], float] | None = None   # multiplier by generated step, e.g. first-K


def block_device(block: nn.Module) -> torch.device:
    for p in block.parameters():
        return p.device
    return torch.device("cpu")


def scale_tensor(scale: Scale) -> Tensor:
    """A float stays a 0-d tensor; a sequence becomes (batch, 1, 1) for per-row scales."""
    t = torch.as_tensor(scale, dtype=torch.float32)
    if t.ndim > 1:
        raise ValueError(f"scale must be a number or a 1-D sequence (one per batch row), got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise ValueError("scale contains NaN or infinite values")
    return t.view(-1, 1, 1) if t.ndim == 1 else t


@contextmanager
def steer(
    model: nn.Module,
    vector: SteeringVector,
    layers: Sequence[int] | str | None = None,
    scale: Scale = 1.0,
    *,
    relative: bool = True,
    positions: str | Positions = Positions.ALL,
    schedule: Callable[[int], float] | None = None,
) -> Iterator[None]:
    """Add `scale · v[layer]` to each chosen block's output while inside the block.

    relative=True: scale is in units of the layer's typical residual norm (delta = scale · norm_l · v̂_l),
    comparable across layers and models; relative=False: delta = scale · v_l, the raw vector.
    scale may be a 1-D sequence, one value per batch row, to try several scales in one batched call.
    positions: "all", "prompt" or "generated" (the latter two follow the KV cache).
    schedule: optional multiplier by generated step (0, 1, ...), e.g. first-K or decaying steering.
    Every hook is removed on exit, including when an exception is raised inside the block.
    """
    check_compatible(vector, model)
    blocks = decoder_blocks(model)
    chosen = resolve_layers(layers if layers is not None else vector.layers, len(blocks))
    policy = Positions.parse(positions)
    factor = scale_tensor(scale)
    deltas = {}
    for layer in chosen:              # resolve everything before registering anything
        unit_delta = vector.delta(layer, 1.0, relative)                      # (d,)
        dtype = next(blocks[layer].parameters()).dtype
        device = block_device(blocks[layer])
        device = torch.device("cpu") if device.type == "meta" else device
        deltas[layer] = (factor * unit_delta).to(device, dtype)
    state = CallState()
    with ExitStack() as stack:
        if policy is not Positions.ALL or schedule is not None:   # only these read the cache length per call
            stack.callback(model.register_forward_pre_hook(state.pre_hook, with_kwargs=True).remove)
        for layer in chosen:
            hook = add_delta_hook(deltas[layer], policy, state, schedule)
            stack.callback(blocks[layer].register_forward_hook(hook).remove)
        yield


def steering_context(model: nn.Module, steering: Steering | None, scale: Scale | None = None) -> ExitStack:
    """steer() for a Steering record (or nothing when None); `scale` overrides the record's scale."""
    stack = ExitStack()
    if steering is not None:
        stack.enter_context(steer(
            model, steering.vector, steering.layers, steering.scale if scale is None else scale,
            relative=steering.relative, positions=steering.positions, schedule=steering.schedule,
        ))
    return stack
