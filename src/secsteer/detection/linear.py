"""A fitted linear probe as plain tensors (no pickle), its files, and its direction as a SteeringVector."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from torch import Tensor, nn

from secsteer.data.pairs import ContrastPair, pairs_hash
from secsteer.model.layers import num_layers
from secsteer.model.load import model_id
from secsteer.vectors.vector import SteeringVector, VectorMeta

__all__ = ["LinearProbe", "load_linear_probes", "probe_vector", "save_linear_probes"]

FORMAT_VERSION = 1


@dataclass(frozen=True)
class LinearProbe:
    """logit P(vulnerable | x) = weight · (x - mean) / scale + bias, with x a pooled hidden state."""
    layer: int
    weight: Tensor          # (d,), on standardized features
    bias: float
    mean: Tensor            # (d,), the scaler's feature means
    scale: Tensor           # (d,), the scaler's feature standard deviations
    gap: float              # mean secure minus mean vulnerable projection on secure_direction()

    def logit(self, x: Tensor) -> Tensor:
        """(..., d) -> (...): the probe's log-odds that the code is vulnerable."""
        return ((x.float() - self.mean) / self.scale) @ self.weight + self.bias

    def predict_proba(self, x: Tensor) -> Tensor:
        return torch.sigmoid(self.logit(x))

    def secure_direction(self) -> Tensor:
        """Unit vector in the raw residual space along which the logit falls fastest: toward secure."""
        raw = self.weight / self.scale       # d logit / d x
        return -raw / raw.norm()


def save_linear_probes(probes: Mapping[int, LinearProbe], path: str | Path, meta: dict[str, Any] | None = None) -> Path:
    """One safetensors file (weight/mean/scale per layer) with the biases, gaps and `meta` as JSON metadata."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {}
    for layer, probe in probes.items():
        for name in ("weight", "mean", "scale"):
            tensors[f"layer.{layer}.{name}"] = getattr(probe, name).detach().float().contiguous().cpu()
    header = {"format_version": FORMAT_VERSION, "meta": meta or {},
              "bias": {str(k): p.bias for k, p in probes.items()}, "gap": {str(k): p.gap for k, p in probes.items()}}
    tmp = path.with_name(path.name + ".tmp")
    save_file(tensors, str(tmp), metadata={"secsteer_probe": json.dumps(header, sort_keys=True)})
    tmp.replace(path)
    return path


def load_linear_probes(path: str | Path) -> tuple[dict[int, LinearProbe], dict[str, Any]]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"probe file {path} does not exist; write one with `secsteer probe --out DIR`")
    with safe_open(str(path), framework="pt") as f:
        raw = (f.metadata() or {}).get("secsteer_probe")
        if raw is None:
            raise ValueError(f"{path} is a safetensors file without secsteer probe metadata")
        header = json.loads(raw)
        if header.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{path}: probe format version {header.get('format_version')} is not supported "
                             f"(expected {FORMAT_VERSION})")
        probes = {
            int(key): LinearProbe(
                layer=int(key), weight=f.get_tensor(f"layer.{key}.weight"), bias=float(bias),
                mean=f.get_tensor(f"layer.{key}.mean"), scale=f.get_tensor(f"layer.{key}.scale"),
                gap=float(header["gap"][key]),
            )
            for key, bias in header["bias"].items()
        }
    return probes, header["meta"]


def probe_vector(
    model: nn.Module,
    probes: Mapping[int, LinearProbe],
    layer_norms: Mapping[int, float],
    pairs: Sequence[ContrastPair],
    layers: Sequence[int] | None = None,
    source: str = "",
    pooling: str = "mean",
) -> SteeringVector:
    """The probes' secure directions as a steering vector (method "probe"): unit direction times the
    class-mean gap along it, so the raw length is comparable with a mean-difference vector."""
    chosen = sorted(probes) if layers is None else list(layers)
    missing = [layer for layer in chosen if layer not in probes or layer not in layer_norms]
    if missing:
        raise ValueError(f"no fitted probe or layer norm for layer(s) {missing}; fit probes on those layers first")
    directions = {layer: probes[layer].secure_direction() * (abs(probes[layer].gap) or 1.0) for layer in chosen}
    meta = VectorMeta(
        model_id=model_id(model), architecture=type(model).__name__,
        hidden_size=int(next(iter(directions.values())).numel()), num_layers=num_layers(model),
        method="probe", n_pairs=len(pairs), pairs_hash=pairs_hash(pairs),
        layer_norms={layer: float(layer_norms[layer]) for layer in chosen}, pooling=pooling, source=source,
        extra={"cwes": sorted({p.cwe for p in pairs}), "probe_bias": {str(k): probes[k].bias for k in chosen}},
    )
    return SteeringVector(directions=directions, meta=meta)
