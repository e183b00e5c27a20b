"""Directional ablation toward secure: raise each token's projection on v̂ to at least a per-layer target.

    h <- h + max(t_l - h·v̂_l, 0) · v̂_l

With v̂ pointing from insecure to secure and t_l the secure side's mean projection, this removes the
insecure-direction component where a token has one and leaves every other token exactly as it was.
Targets come from (first found): `target` (layer -> t), or the secure centroid c_l stored in
meta.extra["secure_centroid"] by build_vector(..., secure_centroid=True), giving t_l = c_l·v̂_l.
Because t is recomputed from the centroid for whatever direction is passed, controls need nothing extra:
`-v` caps the secure projection at the centroid's (pushes toward insecure), `random_like(v)` lifts a random
direction to the centroid's level. `shift` moves every target by shift · layer_norm (0 = pure ablation).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any

import torch
from torch import Tensor, nn

from secsteer.activations.read import Activations, block_output
from secsteer.model.layers import decoder_blocks, resolve_layers
from secsteer.steering.apply import block_device
from secsteer.steering.hooks import CallState, ForwardHook, Positions, wants
from secsteer.vectors.vector import SteeringVector, check_compatible

__all__ = ["ablate_hook", "ablation_targets", "steer_ablate"]


def ablation_targets(
    vector: SteeringVector, secure: Activations | Mapping[int, Tensor] | None = None
) -> dict[int, float]:
    """t_l = mean secure activation · v̂_l per layer of the vector, from secure activations (n, d) per layer
    or, when None, from meta.extra["secure_centroid"]."""
    if secure is None:
        stored = vector.meta.extra.get("secure_centroid")
        if not stored:
            raise ValueError("the vector has no meta.extra['secure_centroid']: build it with "
                             "build_vector(..., secure_centroid=True) or pass target= / secure activations")
        centroids = {int(k): torch.tensor(v, dtype=torch.float32) for k, v in stored.items()}
    else:
        pooled = secure.pooled if isinstance(secure, Activations) else secure
        centroids = {layer: acts.float().mean(dim=0) for layer, acts in pooled.items()}
    missing = [layer for layer in vector.layers if layer not in centroids]
    if missing:
        raise ValueError(f"no secure centroid for layers {missing}; read the secure side at those layers")
    return {layer: float(centroids[layer].double() @ vector.unit(layer).double()) for layer in vector.layers}


def ablate_hook(unit: Tensor, target: Tensor, positions: Positions, state: CallState) -> ForwardHook:
    """unit: (d,), target: 0-d, both on the block's device in its dtype."""
    def hook(_module: nn.Module, _args: Any, output: Any) -> Any:
        if not wants(positions, state):
            return None
        hidden = block_output(output)                              # (batch, seq, d)
        u = unit.to(hidden.dtype)
        push = target.to(hidden.dtype) - hidden @ u                # (batch, seq) how far below the target
        raised = hidden + push.clamp(min=0).unsqueeze(-1) * u
        steered = torch.where((push > 0).unsqueeze(-1), raised, hidden)   # tokens at/above: bit-identical
        return (steered, *output[1:]) if isinstance(output, tuple) else steered
    return hook


@contextmanager
def steer_ablate(
    model: nn.Module,
    vector: SteeringVector,
    layers: Sequence[int] | str | None = None,
    target: Mapping[int, float] | None = None,
    *,
    shift: float = 0.0,
    positions: str | Positions = Positions.ALL,
) -> Iterator[dict[int, float]]:
    """Raise projections on v̂ to the targets at the chosen layers; yields the targets used (layer -> t)."""
    check_compatible(vector, model)
    blocks = decoder_blocks(model)
    chosen = resolve_layers(layers if layers is not None else vector.layers, len(blocks))
    policy = Positions.parse(positions)
    missing = [layer for layer in chosen if layer not in vector.directions]
    if missing:
        raise ValueError(f"the vector has no direction for layers {missing}; it has layers {vector.layers}")
    targets = dict(target) if target is not None else ablation_targets(vector.select(chosen))
    hooks = {}
    for layer in chosen:                         # resolve everything before registering anything
        if layer not in targets:
            raise ValueError(f"no ablation target for layer {layer}; targets cover {sorted(targets)}")
        t = targets[layer] + (shift * vector.meta.layer_norms[layer] if shift else 0.0)
        device, dtype = block_device(blocks[layer]), next(blocks[layer].parameters()).dtype
        unit = vector.unit(layer).to(device, dtype)
        targets[layer] = t
        hooks[layer] = (unit, torch.tensor(t, device=device, dtype=dtype))
    state = CallState()
    with ExitStack() as stack:
        stack.callback(model.register_forward_pre_hook(state.pre_hook, with_kwargs=True).remove)
        for layer in chosen:
            hook = ablate_hook(*hooks[layer], policy, state)
            stack.callback(blocks[layer].register_forward_hook(hook).remove)
        yield {layer: targets[layer] for layer in chosen}
