"""Vectors for sweep cells: activations of the pair set read once and cached, subsets by index."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from secsteer.activations.read import Activations
from secsteer.data.pairs import ContrastPair, pairs_hash
from secsteer.experiments.grid import FILE_METHOD, VectorKey
from secsteer.vectors.build import read_pairs, vector_from_activations
from secsteer.vectors.vector import SteeringVector, random_like

log = logging.getLogger(__name__)


class VectorFactory:
    def __init__(self, model: Any, tokenizer: Any, pairs: list[ContrastPair], cache_dir: Path,
                 pooling: str = "mean", source: str = "", batch_size: int = 8,
                 fixed: SteeringVector | None = None) -> None:
        self.model, self.tokenizer, self.pairs, self.fixed = model, tokenizer, pairs, fixed
        self.cache = cache_dir / f"activations-{pairs_hash(pairs)}-{pooling}.safetensors"
        self.pooling, self.source, self.batch_size = pooling, source, batch_size
        self._acts: tuple[Activations, Activations] | None = None
        self._built: dict[VectorKey, SteeringVector] = {}

    def activations(self) -> tuple[Activations, Activations]:
        if self._acts is None:
            self._acts = self._load() or self._read()
        return self._acts

    def _read(self) -> tuple[Activations, Activations]:
        secure, insecure = read_pairs(self.model, self.tokenizer, self.pairs, None, self.pooling,  # type: ignore[arg-type]
                                      self.batch_size, show_progress=True)
        tensors = {f"secure.{k}": v for k, v in secure.pooled.items()}
        tensors |= {f"insecure.{k}": v for k, v in insecure.pooled.items()}
        meta = {"token_norm": json.dumps(secure.token_norm), "n_tokens": str(secure.n_tokens)}
        self.cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cache.with_name(self.cache.name + ".tmp")
        save_file({k: v.contiguous() for k, v in tensors.items()}, str(tmp), metadata=meta)
        tmp.replace(self.cache)
        return secure, insecure

    def _load(self) -> tuple[Activations, Activations] | None:
        if not self.cache.exists():
            return None
        with safe_open(str(self.cache), framework="pt") as f:
            meta = f.metadata()
            norms = {int(k): float(v) for k, v in json.loads(meta["token_norm"]).items()}
            sides = {}
            for side in ("secure", "insecure"):
                pooled = {int(k.split(".")[1]): f.get_tensor(k) for k in f.keys() if k.startswith(side + ".")}
                sides[side] = Activations(pooled, norms, int(meta["n_tokens"]))
        log.info("reusing cached activations %s", self.cache)
        return sides["secure"], sides["insecure"]

    def subset(self, n_pairs: int | str, seed: int) -> list[int]:
        from secsteer.data.splits import sample_pairs

        if n_pairs == "all":
            return list(range(len(self.pairs)))
        if int(n_pairs) > len(self.pairs):
            raise ValueError(f"n_pairs {n_pairs} exceeds the {len(self.pairs)} pairs selected")
        index = {p.id: i for i, p in enumerate(self.pairs)}
        return [index[p.id] for p in sample_pairs(self.pairs, int(n_pairs), seed)]

    def vector(self, key: VectorKey) -> SteeringVector:
        if key in self._built:
            return self._built[key]
        if key.method == FILE_METHOD and not key.control:
            if self.fixed is None:
                raise ValueError("the spec names no vector file")
            vector = self.fixed
        elif key.control:
            base = self.vector(VectorKey(key.method, key.n_pairs, key.draw_seed))
            vector = random_like(base, seed=key.draw_seed) if key.control == "random" else -base
        else:
            secure, insecure = self.activations()
            rows = torch.tensor(self.subset(key.n_pairs, key.draw_seed))
            pick = lambda a: Activations({k: v[rows] for k, v in a.pooled.items()}, a.token_norm, a.n_tokens)  # noqa: E731
            vector = vector_from_activations(
                self.model, pick(secure), pick(insecure), [self.pairs[i] for i in rows.tolist()],
                key.method, self.pooling, self.source, {"n_pairs": key.n_pairs, "draw_seed": key.draw_seed},
            )
        self._built[key] = vector
        return vector
