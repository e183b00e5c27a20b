"""Probe-gated steering: steer a row only while a linear probe says its code so far looks insecure.

At every forward call a hook on `probe_layer` reads each row's hidden state, the probe gives p(insecure),
and the steered layers add `gate · scale · v` with gate = 1 where p > threshold, else 0 (a tensor on the
device: no host sync per token). The probe reads the block OUTPUT of probe_layer before any steering of
that call (its hook runs first), so probe_layer must be <= every steered layer. Earlier calls' steering
does reach it through the KV cache: the probe judges the code as actually written.

reading="last": the current last position (the token just fed); reading="mean": a running mean over the
real tokens so far (prompt without its first token, then every generated token), which matches probes
trained on mean-pooled code; reading="generated": a running mean over the generated tokens only, so a long
chat-formatted prompt cannot outweigh the code being written (with "mean" it decides the gate once per
prompt).
reading="prompt": the mean over the prompt's real tokens (as "mean"), decided once on the prompt pass and
held for the whole completion: a condition on the task, not on the code (steering/condition.py).
positions="generated" (default) gates only cached decoding steps; "all" also gates the prompt pass, with
the gate from the prompt's last position (or mean) applied to all its positions. reading="generated" has
nothing to read on the prompt pass, so it takes positions="generated" only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import torch
from torch import Tensor, nn

from secsteer.activations.read import block_output
from secsteer.model.layers import decoder_blocks, resolve_layers
from secsteer.steering.apply import Scale, block_device, scale_tensor
from secsteer.steering.hooks import CallState, Positions, wants
from secsteer.vectors.vector import SteeringVector, check_compatible

__all__ = ["GateTrace", "Probe", "choose_threshold", "mean_diff_probe", "steer_gated"]

Reading = Literal["last", "mean", "generated", "prompt"]
READINGS = ("last", "mean", "generated", "prompt")


@dataclass(frozen=True)
class Probe:
    """p(insecure | h) = sigmoid(((h - mean) / std) · weight + bias)."""
    weight: Tensor     # (d,)
    bias: float
    mean: Tensor       # (d,)
    std: Tensor        # (d,)

    def logit(self, hidden: Tensor) -> Tensor:
        # hidden: (..., d) -> (...)
        z = (hidden.float() - self.mean.to(hidden.device)) / self.std.to(hidden.device)
        return z @ self.weight.to(hidden.device) + self.bias

    def p_insecure(self, hidden: Tensor) -> Tensor:
        return torch.sigmoid(self.logit(hidden))


def mean_diff_probe(secure: Tensor, insecure: Tensor) -> Probe:
    """A probe without training: standardize, point from the secure to the insecure mean, put the
    boundary halfway, and scale so one unit of logit is one standard deviation of the projections."""
    both = torch.cat([secure, insecure]).float()                     # (2n, d)
    mean, std = both.mean(dim=0), both.std(dim=0).clamp(min=1e-6)
    zs, zi = (secure.float() - mean) / std, (insecure.float() - mean) / std
    weight = zi.mean(dim=0) - zs.mean(dim=0)
    proj = torch.cat([zs, zi]) @ weight
    spread = float(proj.std().clamp(min=1e-6))
    bias = -float((zs.mean(dim=0) @ weight + zi.mean(dim=0) @ weight) / 2)
    return Probe(weight / spread, bias / spread, mean, std)


def choose_threshold(probe: Probe, hidden: Tensor, labels: Sequence[int] | Tensor) -> float:
    """The p(insecure) threshold maximizing Youden's J (TPR - FPR) on validation activations; labels:
    1 = insecure, 0 = secure. Rows with p > threshold count as insecure; ties go to the higher threshold."""
    y = torch.as_tensor(labels).bool().view(-1)
    if y.all() or not y.any():
        raise ValueError("choose_threshold needs validation activations of both labels (0 = secure, 1 = insecure)")
    p = probe.p_insecure(hidden).double().view(-1)
    values = torch.unique(p)                                          # sorted
    cuts = torch.cat([values[:1] - 1e-12, (values[1:] + values[:-1]) / 2, values[-1:]])
    best, best_j = float(cuts[-1]), -2.0
    for cut in cuts.tolist():
        pred = p > cut
        j = float(pred[y].double().mean() - pred[~y].double().mean())
        if j >= best_j:
            best, best_j = cut, j
    return best


@dataclass
class GateTrace:
    """Per forward call that was gated: each row's p(insecure) and gate, kept on the device."""
    p: list[Tensor] = field(default_factory=list)          # each (batch,)
    gate: list[Tensor] = field(default_factory=list)       # each (batch,) bool

    def steered_fraction(self) -> list[float]:
        """Per row, the fraction of gated calls on which it was steered (one host sync)."""
        if not self.gate:
            return []
        return torch.stack(self.gate).double().mean(dim=0).tolist()


@dataclass
class _Reader:
    """The probe's view of each row: last position, or running mean of real (or generated) tokens so far."""
    reading: Reading
    total: Tensor | None = None       # (batch, d)
    count: Tensor | None = None       # (batch, 1)

    def update(self, hidden: Tensor, mask: Tensor | None, first_call: bool) -> Tensor:
        # hidden: (batch, seq, d); mask: (batch, seq) of the positions in this call, or None
        if self.reading == "last":
            return hidden[:, -1].float()
        weights = torch.ones(hidden.shape[:2], device=hidden.device) if mask is None else mask.float()
        if first_call and self.reading == "generated":  # the prompt: start an empty mean
            weights = torch.zeros_like(weights)
        if first_call:                                   # leave out each row's first real token
            first = (weights.cumsum(dim=1) == 1) & (weights > 0)
            weights = weights * (~first).float()
            self.total = torch.zeros(hidden.shape[0], hidden.shape[2], device=hidden.device)
            self.count = torch.zeros(hidden.shape[0], 1, device=hidden.device)
        assert self.total is not None and self.count is not None
        self.total = self.total + torch.einsum("bs,bsd->bd", weights, hidden.float())
        self.count = self.count + weights.sum(dim=1, keepdim=True)
        return self.total / self.count.clamp(min=1.0)


@dataclass
class _GateState:
    call: CallState = field(default_factory=CallState)
    mask: Tensor | None = None        # this call's attention mask columns, (batch, seq)
    gate: Tensor | None = None        # (batch, 1, 1) in the hidden dtype

    def pre_hook(self, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.call.pre_hook(module, args, kwargs)
        self.mask = kwargs.get("attention_mask")


def _probe_hook(probe: Probe, threshold: float, state: _GateState, reader: _Reader, policy: Positions,
                trace: GateTrace) -> Callable[..., None]:
    def hook(_module: nn.Module, _args: Any, output: Any) -> None:
        hidden = block_output(output)                                   # (batch, seq, d)
        mask = state.mask[:, -hidden.shape[1]:] if state.mask is not None and state.mask.ndim == 2 else None
        first_call = state.call.start == 0
        if reader.reading == "prompt":                                  # decided once, held while decoding
            if first_call:
                decide(reader.update(hidden, mask, first_call), hidden.dtype)
            return
        if reader.reading == "last" and not wants(policy, state.call):
            return                                                      # nothing to gate this call
        features = reader.update(hidden, mask, first_call)              # (batch, d)
        if wants(policy, state.call):
            decide(features, hidden.dtype)

    def decide(features: Tensor, dtype: torch.dtype) -> None:
        p = probe.p_insecure(features)                                  # (batch,)
        on = p > threshold
        state.gate = on.to(dtype).view(-1, 1, 1)
        trace.p.append(p.detach())
        trace.gate.append(on)
    return hook


def _gated_delta_hook(delta: Tensor, state: _GateState, policy: Positions,
                      schedule: Callable[[int], float] | None) -> Callable[..., Any]:
    def hook(_module: nn.Module, _args: Any, output: Any) -> Any:
        if not wants(policy, state.call) or state.gate is None:
            return None
        hidden = block_output(output)
        d = delta.to(hidden.dtype)
        if d.ndim == 3 and d.shape[0] != hidden.shape[0]:
            raise ValueError(f"per-row scales give {d.shape[0]} rows but the batch has {hidden.shape[0]}")
        if schedule is not None and state.call.start > 0:
            d = d * schedule(state.call.generated_step)
        steered = hidden + d * state.gate.to(hidden.device)      # no-op unless layers sit on several GPUs
        return (steered, *output[1:]) if isinstance(output, tuple) else steered
    return hook


@contextmanager
def steer_gated(
    model: nn.Module,
    vector: SteeringVector,
    probe: Probe,
    probe_layer: int,
    layers: Sequence[int] | str | None = None,
    scale: Scale = 1.0,
    threshold: float = 0.5,
    *,
    relative: bool = True,
    positions: str | Positions = Positions.GENERATED,
    reading: Reading = "last",
    schedule: Callable[[int], float] | None = None,
) -> Iterator[GateTrace]:
    """steer() whose delta is added only on rows where probe p(insecure) > threshold (see module doc).
    Yields a GateTrace with every gated call's p and gate per row."""
    check_compatible(vector, model)
    blocks = decoder_blocks(model)
    chosen = resolve_layers(layers if layers is not None else vector.layers, len(blocks))
    (probe_at,) = resolve_layers([probe_layer], len(blocks))
    if probe_at > chosen[0]:
        raise ValueError(f"probe_layer {probe_at} is after the first steered layer {chosen[0]}: the gate would "
                         "come too late in the forward pass; choose probe_layer <= the steered layers")
    if reading not in READINGS:
        raise ValueError(f"reading must be one of {list(READINGS)}, got {reading!r}")
    policy = Positions.parse(positions)
    if reading == "generated" and policy is not Positions.GENERATED:
        raise ValueError("reading='generated' has no generated tokens to read on the prompt pass; "
                         "use positions='generated'")
    factor = scale_tensor(scale)
    deltas = {layer: (factor * vector.delta(layer, 1.0, relative)).to(
        block_device(blocks[layer]), next(blocks[layer].parameters()).dtype) for layer in chosen}
    device = block_device(blocks[probe_at])
    probe = Probe(probe.weight.float().to(device), probe.bias, probe.mean.float().to(device),
                  probe.std.float().to(device))                  # once, not per token
    state, trace = _GateState(), GateTrace()
    with ExitStack() as stack:
        stack.callback(model.register_forward_pre_hook(state.pre_hook, with_kwargs=True).remove)
        probe_hook = _probe_hook(probe, threshold, state, _Reader(reading), policy, trace)
        stack.callback(blocks[probe_at].register_forward_hook(probe_hook).remove)   # before any delta
        for layer in chosen:
            hook = _gated_delta_hook(deltas[layer], state, policy, schedule)
            stack.callback(blocks[layer].register_forward_hook(hook).remove)
        yield trace
