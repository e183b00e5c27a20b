"""Steering vectors as llama.cpp / repeng control vectors (GGUF, architecture "controlvector").

Layer numbering (see docs/backends.md for the sources): tensor `direction.N` is added by llama.cpp to the
output of decoder block N (0-based, after the block's last residual add, at every position), and repeng
writes `direction.N` for its block N. That is our block index N unchanged. llama.cpp refuses N = 0.

The file holds only the vectors llama.cpp adds, with no layer norms: export bakes in
`scale · layer_norm_N · unit(v_N)` (relative, the default) or `scale · v_N` (absolute), so llama.cpp at
strength s reproduces secsteer steering at scale s·scale with positions "all".
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from secsteer.model.layers import resolve_layers
from secsteer.vectors.vector import SteeringVector, VectorMeta

log = logging.getLogger(__name__)

ARCH = "controlvector"
META_KEY = "secsteer.meta"          # our VectorMeta as JSON; llama.cpp and repeng ignore unknown keys
EXPORT_KEY = "secsteer.export"      # {"scale": s, "relative": bool}: what was baked into the tensors


def export_layers(vector: SteeringVector, layers: Sequence[int] | str | None = None) -> list[int]:
    """The blocks to write: those asked for, or every layer of the vector llama.cpp can steer (not block 0)."""
    if layers is not None:
        chosen = resolve_layers(layers, vector.meta.num_layers)
        if 0 in chosen:
            raise ValueError("llama.cpp cannot steer block 0 (it rejects direction.0); leave layer 0 out of --layers")
        missing = sorted(set(chosen) - set(vector.layers))
        if missing:
            raise ValueError(f"the vector has no direction for layers {missing}; it has layers {vector.layers}")
        return chosen
    chosen = [layer for layer in vector.layers if layer != 0]
    if 0 in vector.layers:
        log.warning("block 0 left out of the GGUF file: llama.cpp cannot steer the first block")
    if not chosen:
        raise ValueError("the vector only has block 0, which llama.cpp cannot steer; build it for later layers")
    return chosen


def export_gguf(
    vector: SteeringVector, path: str | Path, scale: float = 1.0, relative: bool = True,
    layers: Sequence[int] | str | None = None,
) -> Path:
    """Write a llama.cpp control vector: `direction.N` = what steer() adds to block N at this scale."""
    import gguf

    if not math.isfinite(scale):
        raise ValueError(f"scale must be a finite number, got {scale}")
    path = Path(path)
    chosen = export_layers(vector, layers)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    writer = gguf.GGUFWriter(str(tmp), ARCH)
    writer.add_string(f"{ARCH}.model_hint", vector.meta.model_id)
    writer.add_uint32(f"{ARCH}.layer_count", len(chosen))      # as repeng: the number of direction tensors
    writer.add_string(META_KEY, vector.meta.to_json())
    writer.add_string(EXPORT_KEY, json.dumps({"scale": scale, "relative": relative}))
    for layer in chosen:
        delta = vector.delta(layer, scale, relative).detach().float().cpu()
        writer.add_tensor(f"direction.{layer}", delta.numpy().astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(tmp, path)              # never leave a half-written file under the final name
    return path


def read_directions(path: Path) -> tuple[dict[int, Tensor], dict[str, Any]]:
    """(block -> direction, metadata fields) with llama.cpp's checks: 1-D float tensors named direction.N."""
    import gguf

    if not path.is_file():
        raise FileNotFoundError(f"control vector file {path} does not exist")
    try:
        reader = gguf.GGUFReader(str(path))
    except (ValueError, OSError) as err:
        raise ValueError(f"{path} is not a readable GGUF file ({err})") from None
    fields = {name: _field_value(field) for name, field in reader.fields.items()}
    directions: dict[int, Tensor] = {}
    for tensor in reader.tensors:
        prefix, _, index = tensor.name.partition(".")
        if prefix != "direction" or not index.isdigit():
            raise ValueError(f"{path}: tensor {tensor.name!r} is not a control vector direction "
                             "(expected direction.N); is this a model file rather than a control vector?")
        data = np.asarray(tensor.data)
        if data.dtype.kind != "f" or data.ndim != 1:
            raise ValueError(f"{path}: {tensor.name} must be a 1-D float tensor, got {data.dtype} {data.shape}")
        layer = int(index)
        d = torch.from_numpy(data.astype(np.float32).copy())
        directions[layer] = directions[layer] + d if layer in directions else d   # llama.cpp sums repeats
    if not directions:
        raise ValueError(f"{path} holds no direction.N tensors")
    if len({d.numel() for d in directions.values()}) > 1:
        raise ValueError(f"{path}: direction tensors differ in length; they must all be the hidden size")
    return directions, fields


def import_gguf(
    path: str | Path,
    num_layers: int | None = None,
    hidden_size: int | None = None,
    model_id: str | None = None,
    architecture: str | None = None,
) -> SteeringVector:
    """Read a llama.cpp / repeng control vector; direction.N lands on block N.

    Directions are the tensors as stored (what llama.cpp adds at strength 1), so `--absolute --scale s`
    matches llama.cpp at strength s. A file written by secsteer keeps its original metadata (layer norms
    included); for any other file the layer norms are set to each direction's own norm, so relative
    scale s is the same as absolute scale s. Pass num_layers/hidden_size from the target model: a
    control vector does not record the model's depth.
    """
    path = Path(path)
    directions, fields = read_directions(path)
    if fields.get("general.architecture", ARCH) != ARCH:
        log.warning("%s declares architecture %r, not %r", path, fields["general.architecture"], ARCH)
    if 0 in directions:
        log.warning("%s has direction.0 (block 0); llama.cpp itself would reject this file", path)
    width = next(iter(directions.values())).numel()
    if hidden_size is not None and width != hidden_size:
        raise ValueError(f"{path}: directions have {width} values but the model's hidden size is {hidden_size}")
    meta = _stored_meta(path, fields) or _new_meta(path, fields, directions, width, num_layers)
    if num_layers is not None and meta.num_layers != num_layers:
        raise ValueError(f"{path} was written for a model with {meta.num_layers} layers; this model has {num_layers}")
    if max(directions) >= meta.num_layers:
        raise ValueError(f"{path} has direction.{max(directions)} but the model has {meta.num_layers} layers")
    meta = replace(
        meta,
        model_id=model_id or meta.model_id,
        architecture=architecture or meta.architecture,
        source=str(path),
        extra={**meta.extra, "gguf_export": fields.get(EXPORT_KEY, "")},
    )
    return SteeringVector(directions=dict(sorted(directions.items())), meta=meta)


def import_gguf_for_model(path: str | Path, spec: str) -> SteeringVector:
    """import_gguf with the depth, width and name of a model spec, read from its config (no weights)."""
    from transformers import AutoConfig

    from secsteer.model.load import resolve_spec

    source, extra = resolve_spec(spec)
    config = AutoConfig.from_pretrained(source, **extra)
    architecture = (getattr(config, "architectures", None) or [type(config).__name__])[0]
    return import_gguf(path, num_layers=int(config.num_hidden_layers), hidden_size=int(config.hidden_size),
                       model_id=spec, architecture=architecture)


def _stored_meta(path: Path, fields: dict[str, Any]) -> VectorMeta | None:
    raw = fields.get(META_KEY)
    if raw is None:
        return None
    try:
        return VectorMeta.from_json(str(raw))
    except (ValueError, TypeError, KeyError) as err:
        raise ValueError(f"{path}: the {META_KEY} field is damaged ({err}); delete it to import as a plain "
                         "control vector") from None


def _new_meta(
    path: Path, fields: dict[str, Any], directions: dict[int, Tensor], width: int, num_layers: int | None,
) -> VectorMeta:
    if num_layers is None:
        num_layers = max(directions) + 1
        log.warning("%s does not record the model's depth; assuming %d layers (pass the model to set it)",
                    path, num_layers)
    return VectorMeta(
        model_id=str(fields.get(f"{ARCH}.model_hint") or "unknown"),
        architecture="unknown",
        hidden_size=width,
        num_layers=num_layers,
        method="gguf",
        n_pairs=0,
        pairs_hash="",
        layer_norms={layer: float(d.norm()) for layer, d in directions.items()},
    )


def _field_value(field: Any) -> Any:
    try:
        return field.contents()
    except (AttributeError, ValueError, IndexError):
        return None
