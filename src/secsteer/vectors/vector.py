"""SteeringVector: one direction per layer, with provenance, saved as safetensors + JSON metadata."""

from __future__ import annotations

import json
import math
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from torch import Tensor

FORMAT_VERSION = 1


@dataclass(frozen=True)
class VectorMeta:
    model_id: str
    architecture: str
    hidden_size: int
    num_layers: int
    method: str
    n_pairs: int
    pairs_hash: str
    layer_norms: dict[int, float]            # typical residual norm per layer: the unit of relative scales
    pooling: str = "mean"
    source: str = ""
    filters: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        record = asdict(self)
        record["layer_norms"] = {str(k): v for k, v in self.layer_norms.items()}
        return json.dumps({"format_version": FORMAT_VERSION, **record}, sort_keys=True)

    def __post_init__(self) -> None:
        for name in ("hidden_size", "num_layers", "n_pairs"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < (0 if name == "n_pairs" else 1):
                raise ValueError(f"metadata {name} must be a positive integer, got {value!r}")
        bad = {k: v for k, v in self.layer_norms.items() if not is_finite_number(v) or v < 0}
        if bad:
            raise ValueError(f"metadata layer_norms must be finite and >= 0, got {bad}")

    @classmethod
    def from_json(cls, text: str) -> VectorMeta:
        try:
            record = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"the secsteer metadata is not JSON ({err})") from None
        if not isinstance(record, dict):
            raise ValueError("the secsteer metadata is not a JSON object")
        version = record.pop("format_version", None)
        if version != FORMAT_VERSION:
            raise ValueError(f"vector format version {version} is not supported (expected {FORMAT_VERSION})")
        names = {f.name for f in fields(cls)}
        required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
        if set(record) - names or required - set(record):
            raise ValueError(f"metadata keys: missing {sorted(required - set(record))}, "
                             f"unexpected {sorted(set(record) - names)}")
        norms = record["layer_norms"]
        try:
            record["layer_norms"] = {int(k): float(v) for k, v in norms.items()}
        except (AttributeError, TypeError, ValueError):
            raise ValueError(f"metadata layer_norms must map layers to numbers, got {norms!r}") from None
        return cls(**record)


@dataclass(frozen=True)
class SteeringVector:
    directions: dict[int, Tensor]            # layer -> (d_model,), float32, CPU
    meta: VectorMeta

    def __post_init__(self) -> None:
        if not self.directions:
            raise ValueError("a steering vector needs at least one layer")
        for layer, d in self.directions.items():
            if not 0 <= layer < self.meta.num_layers:
                raise ValueError(f"layer {layer} is outside the model's {self.meta.num_layers} layers")
            if layer not in self.meta.layer_norms:
                raise ValueError(f"layer {layer} has no layer_norms entry (the unit of relative scales); "
                                 f"layer_norms has {sorted(self.meta.layer_norms)}")
            if d.ndim != 1 or d.numel() != self.meta.hidden_size:
                raise ValueError(f"layer {layer}: direction has shape {tuple(d.shape)}, "
                                 f"expected ({self.meta.hidden_size},)")
            if not torch.isfinite(d).all():
                raise ValueError(f"layer {layer}: direction contains NaN or infinite values")

    @property
    def layers(self) -> list[int]:
        return sorted(self.directions)

    def unit(self, layer: int) -> Tensor:
        d = self.directions[layer]
        norm = d.norm()
        if norm == 0:
            raise ValueError(f"layer {layer}: the direction is zero; it cannot be scaled relative to the layer norm")
        return d / norm

    def delta(self, layer: int, scale: float = 1.0, relative: bool = True) -> Tensor:
        """What steering adds at `layer`: scale·norm_l·v̂_l when relative, else scale·v_l."""
        if layer not in self.directions:
            raise ValueError(f"the vector has no direction for layer {layer}; it has layers {self.layers}")
        if relative:
            return scale * self.meta.layer_norms[layer] * self.unit(layer)
        return scale * self.directions[layer]

    def scaled(self, k: float) -> SteeringVector:
        return replace(self, directions={layer: k * d for layer, d in self.directions.items()})

    def __neg__(self) -> SteeringVector:
        return replace(self.scaled(-1.0), meta=replace(self.meta, method=f"negated({self.meta.method})"))

    def select(self, layers: list[int]) -> SteeringVector:
        return replace(self, directions={layer: self.directions[layer] for layer in layers})

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tensors = {f"layer.{layer}": d.detach().float().contiguous().cpu() for layer, d in self.directions.items()}
        tmp = path.with_name(path.name + ".tmp")
        save_file(tensors, str(tmp), metadata={"secsteer": self.meta.to_json()})
        tmp.replace(path)                   # never leave a half-written vector under the final name
        return path

    @classmethod
    def load(cls, path: str | Path) -> SteeringVector:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"vector file {path} does not exist")
        try:
            handle = safe_open(str(path), framework="pt")
        except Exception as err:        # safetensors raises its own error type for a corrupt header
            raise ValueError(f"{path} is not a readable safetensors file: {err}") from None
        with handle as f:
            raw = (f.metadata() or {}).get("secsteer")
            if raw is None:
                raise ValueError(f"{path} is a safetensors file without secsteer metadata; "
                                 "import llama.cpp/repeng vectors with `secsteer import`")
            names = [k for k in f.keys() if k.startswith("layer.")]
            bad = [k for k in names if not k.split(".", 1)[1].isdigit()]
            if bad:
                raise ValueError(f"{path}: tensor names {bad} are not layer.<number>")
            directions = {int(k.split(".", 1)[1]): f.get_tensor(k) for k in names}
        try:
            return cls(directions=directions, meta=VectorMeta.from_json(raw))
        except (ValueError, TypeError) as err:  # one line naming the file, whatever part is wrong
            raise ValueError(f"{path}: not a usable steering vector: {err}") from None


def check_compatible(vector: SteeringVector, model: Any) -> None:
    """Refuse a vector built for another shape of model."""
    from secsteer.model.layers import num_layers

    hidden = int(model.config.hidden_size if hasattr(model.config, "hidden_size") else model.config.n_embd)
    layers = num_layers(model)
    if hidden != vector.meta.hidden_size or layers != vector.meta.num_layers:
        raise ValueError(
            f"vector built for {vector.meta.model_id} (hidden size {vector.meta.hidden_size}, "
            f"{vector.meta.num_layers} layers) does not fit this model (hidden size {hidden}, {layers} layers)"
        )


def random_like(vector: SteeringVector, seed: int = 0) -> SteeringVector:
    """A control: random directions with the same per-layer norms."""
    gen = torch.Generator().manual_seed(seed)
    directions = {}
    for layer, d in vector.directions.items():
        r = torch.randn(d.shape, generator=gen)
        directions[layer] = r / r.norm() * d.norm()
    meta = replace(vector.meta, method=f"random({vector.meta.method})", extra={**vector.meta.extra, "seed": seed})
    return SteeringVector(directions=directions, meta=meta)


def is_finite_number(x: float) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)
