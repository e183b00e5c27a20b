"""Per-CWE steering: each batch row gets the vector of its own CWE (from a VectorBank).

Rows whose CWE has no vector in the bank get, by `fallback`:
- "pooled": the bank's pooled vector (built from every pair), the default;
- "zero": no steering for that row;
- "error": a ValueError naming the CWE.
The CWE of a row comes from the task's label or from `predict_cwe` (a router fit on pair activations).
Relative scales use each vector's own layer norms (all measured on the same model, so nearly equal).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, Literal

import torch
from torch import Tensor, nn

from secsteer.activations.read import read_activations
from secsteer.model.layers import decoder_blocks, resolve_layers
from secsteer.steering.apply import Scale, block_device, scale_tensor
from secsteer.steering.hooks import CallState, Positions, add_delta_hook
from secsteer.vectors.bank import CweClassifier, VectorBank
from secsteer.vectors.vector import SteeringVector, check_compatible

__all__ = ["Fallback", "predict_cwe", "route_vectors", "steer_routed"]

Fallback = Literal["pooled", "zero", "error"]


def route_vectors(bank: VectorBank, row_cwes: Sequence[str | None], fallback: Fallback = "pooled"
                  ) -> list[SteeringVector | None]:
    """The vector each row gets (None: no steering)."""
    if fallback not in ("pooled", "zero", "error"):
        raise ValueError(f"fallback must be 'pooled', 'zero' or 'error', got {fallback!r}")
    chosen: list[SteeringVector | None] = []
    for cwe in row_cwes:
        vector = bank.get(cwe) if cwe else None
        if vector is None and fallback == "error":
            raise ValueError(f"the bank has no vector for {cwe!r} (it has {bank.cwes}); "
                             "use fallback='pooled' or 'zero'")
        if vector is None and fallback == "pooled":
            if bank.pooled is None:
                raise ValueError("fallback='pooled' but the bank has no pooled vector; use fallback='zero'")
            vector = bank.pooled
        chosen.append(vector)
    return chosen


def _row_delta(vectors: list[SteeringVector | None], layer: int, relative: bool, hidden: int) -> Tensor:
    # (batch, 1, d): one unit-scale delta per row, zero for rows that are not steered
    rows = [v.delta(layer, 1.0, relative) if v is not None else torch.zeros(hidden) for v in vectors]
    return torch.stack(rows).unsqueeze(1)


@contextmanager
def steer_routed(
    model: nn.Module,
    bank: VectorBank,
    row_cwes: Sequence[str | None],
    layers: Sequence[int] | str | None = None,
    scale: Scale = 1.0,
    *,
    relative: bool = True,
    positions: str | Positions = Positions.ALL,
    schedule: Callable[[int], float] | None = None,
    fallback: Fallback = "pooled",
) -> Iterator[None]:
    """Like steer(), but row i of every batch gets `scale · v_{row_cwes[i]}`; the batch must have
    len(row_cwes) rows. layers=None: the layers every bank vector has."""
    if not row_cwes:
        raise ValueError("row_cwes is empty: give one CWE (or None) per batch row")
    vectors = route_vectors(bank, row_cwes, fallback)
    for v in {id(v): v for v in vectors if v is not None}.values():
        check_compatible(v, model)
    blocks = decoder_blocks(model)
    chosen = resolve_layers(layers if layers is not None else bank.layers, len(blocks))
    policy = Positions.parse(positions)
    factor = scale_tensor(scale)
    hidden = next(iter(bank.vectors.values())).meta.hidden_size
    deltas = {}
    for layer in chosen:
        dtype = next(blocks[layer].parameters()).dtype
        deltas[layer] = (factor * _row_delta(vectors, layer, relative, hidden)).to(
            block_device(blocks[layer]), dtype)
    state = CallState()
    with ExitStack() as stack:
        stack.callback(model.register_forward_pre_hook(state.pre_hook, with_kwargs=True).remove)
        for layer in chosen:
            hook = add_delta_hook(deltas[layer], policy, state, schedule)
            stack.callback(blocks[layer].register_forward_hook(hook).remove)
        yield


def predict_cwe(
    model: nn.Module,
    tokenizer: Any,
    prompts: Sequence[str],
    router: CweClassifier | VectorBank,
    batch_size: int = 8,
) -> list[str]:
    """The most likely CWE of each prompt, from its pooled hidden state at the router's layer.

    The router is fit on code (both sides of the pairs); a prompt is partial code, so check its accuracy
    on labelled prompts before trusting it.
    """
    classifier = router.router if isinstance(router, VectorBank) else router
    if classifier is None:
        raise ValueError("the bank has no CWE router; build it with build_bank(..., router_layer=L)")
    acts = read_activations(model, tokenizer, prompts, [classifier.layer], classifier.pooling,  # type: ignore[arg-type]
                            batch_size)
    return classifier.predict(acts.pooled[classifier.layer])
