"""VectorBank: one steering vector per CWE (plus a pooled one and an optional CWE router) in one file.

File layout (safetensors): tensors `CWE-89/layer.12`, `pooled/layer.12`, `router/weight` ...; metadata key
`secsteer_bank` holds JSON {format_version, vectors: {name: VectorMeta JSON}, router: {...} | null}.
Controls: `bank.map(lambda v: -v)` negates every vector, `bank.random_like(seed)` replaces each with a
random direction of the same per-layer norms; the router is kept as is.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file
from torch import Tensor, nn

from secsteer.activations.read import Activations, Pooling
from secsteer.data.cwe import canonical_cwe
from secsteer.data.pairs import ContrastPair, require_pairs
from secsteer.vectors.build import centroid_json, read_pairs, vector_from_activations
from secsteer.vectors.diff import Focus
from secsteer.vectors.methods import get_method
from secsteer.vectors.vector import SteeringVector, VectorMeta, random_like

__all__ = ["CweClassifier", "VectorBank", "build_bank", "fit_cwe_classifier"]

log = logging.getLogger(__name__)
BANK_FORMAT_VERSION = 1
POOLED = "pooled"


@dataclass(frozen=True)
class CweClassifier:
    """Multinomial logistic regression on standardized pooled hidden states at one layer."""
    layer: int
    classes: tuple[str, ...]     # canonical CWEs, row order of `weight`
    weight: Tensor               # (n_classes, d)
    bias: Tensor                 # (n_classes,)
    mean: Tensor                 # (d,)
    std: Tensor                  # (d,)
    pooling: str = "mean"

    def logits(self, hidden: Tensor) -> Tensor:
        # hidden: (n, d) -> (n, n_classes)
        z = (hidden.float() - self.mean) / self.std
        return z @ self.weight.T + self.bias

    def predict(self, hidden: Tensor) -> list[str]:
        return [self.classes[i] for i in self.logits(hidden).argmax(dim=1).tolist()]


def fit_cwe_classifier(
    hidden: Tensor, cwes: Sequence[str], layer: int, pooling: str = "mean", c: float = 1.0
) -> CweClassifier:
    """Fit on (n, d) pooled activations labelled with their CWE (sklearn, kept as plain tensors)."""
    from sklearn.linear_model import LogisticRegression

    labels = [canonical_cwe(c_) for c_ in cwes]
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError(f"a CWE router needs pairs of at least two CWEs, got {classes}")
    mean = hidden.float().mean(dim=0)
    std = hidden.float().std(dim=0).clamp(min=1e-6)
    z = ((hidden.float() - mean) / std).double().numpy()
    model = LogisticRegression(C=c, max_iter=2000).fit(z, [classes.index(x) for x in labels])
    weight = torch.as_tensor(model.coef_, dtype=torch.float32)
    bias = torch.as_tensor(model.intercept_, dtype=torch.float32)
    if len(classes) == 2:      # sklearn keeps one row for two classes: logit of class 1 vs class 0
        weight = torch.cat([-weight / 2, weight / 2])
        bias = torch.cat([-bias / 2, bias / 2])
    return CweClassifier(layer, tuple(classes), weight, bias, mean, std, pooling)


@dataclass(frozen=True)
class VectorBank:
    vectors: dict[str, SteeringVector]        # canonical CWE -> vector
    pooled: SteeringVector | None = None      # built from every pair: the fallback for unknown CWEs
    router: CweClassifier | None = None

    def __post_init__(self) -> None:
        if not self.vectors:
            raise ValueError("a vector bank needs at least one CWE vector")

    @property
    def cwes(self) -> list[str]:
        return sorted(self.vectors)

    @property
    def layers(self) -> list[int]:
        """Layers every vector of the bank (pooled included) has."""
        all_vectors = [*self.vectors.values(), *([self.pooled] if self.pooled else [])]
        return sorted(set.intersection(*(set(v.layers) for v in all_vectors)))

    def get(self, cwe: str) -> SteeringVector | None:
        return self.vectors.get(canonical_cwe(cwe)) if cwe else None

    def map(self, fn: Callable[[SteeringVector], SteeringVector]) -> VectorBank:
        """The same bank with `fn` applied to every vector (pooled included), e.g. negation for a control."""
        return replace(self, vectors={k: fn(v) for k, v in self.vectors.items()},
                       pooled=fn(self.pooled) if self.pooled else None)

    def random_like(self, seed: int = 0) -> VectorBank:
        """Control: each vector replaced by a random direction of its norms (seed + i for the i-th CWE)."""
        vectors = {cwe: random_like(self.vectors[cwe], seed + i) for i, cwe in enumerate(self.cwes)}
        pooled = random_like(self.pooled, seed + len(vectors)) if self.pooled else None
        return replace(self, vectors=vectors, pooled=pooled)

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        named = {**self.vectors, **({POOLED: self.pooled} if self.pooled else {})}
        tensors = {f"{name}/layer.{layer}": d.detach().float().contiguous().cpu()
                   for name, v in named.items() for layer, d in v.directions.items()}
        router = None
        if self.router is not None:
            r = self.router
            tensors.update({f"router/{k}": getattr(r, k).float().contiguous() for k in ("weight", "bias", "mean", "std")})
            router = {"layer": r.layer, "classes": list(r.classes), "pooling": r.pooling}
        header = {"format_version": BANK_FORMAT_VERSION, "router": router,
                  "vectors": {name: v.meta.to_json() for name, v in named.items()}}
        tmp = path.with_name(path.name + ".tmp")
        save_file(tensors, str(tmp), metadata={"secsteer_bank": json.dumps(header)})
        tmp.replace(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> VectorBank:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"vector bank file {path} does not exist")
        with safe_open(str(path), framework="pt") as f:
            raw = (f.metadata() or {}).get("secsteer_bank")
            if raw is None:
                raise ValueError(f"{path} is not a secsteer vector bank (no secsteer_bank metadata); "
                                 "load single vectors with SteeringVector.load")
            header = json.loads(raw)
            if header.get("format_version") != BANK_FORMAT_VERSION:
                raise ValueError(f"{path}: bank format version {header.get('format_version')} is not supported "
                                 f"(expected {BANK_FORMAT_VERSION})")
            tensors = {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 (safe_open is not iterable)
        named = {}
        for name, meta in header["vectors"].items():
            prefix = f"{name}/layer."
            directions = {int(k[len(prefix):]): t for k, t in tensors.items() if k.startswith(prefix)}
            named[name] = SteeringVector(directions=directions, meta=VectorMeta.from_json(meta))
        pooled = named.pop(POOLED, None)
        router = None
        if header.get("router"):
            r = header["router"]
            router = CweClassifier(int(r["layer"]), tuple(r["classes"]), tensors["router/weight"],
                                   tensors["router/bias"], tensors["router/mean"], tensors["router/std"],
                                   r["pooling"])
        return cls(vectors=named, pooled=pooled, router=router)


def _subset(acts: Activations, rows: list[int], layers: list[int]) -> Activations:
    return Activations({layer: acts.pooled[layer][rows] for layer in layers}, acts.token_norm, acts.n_tokens)


def build_bank(
    model: nn.Module,
    tokenizer: Any,
    pairs: Sequence[ContrastPair],
    layers: Sequence[int] | str | None = None,
    *,
    min_pairs: int = 8,
    method: str = "mean_diff",
    pooling: Pooling = "mean",
    focus: Focus = "all",
    context_lines: int = 0,
    router_layer: int | None = None,
    secure_centroid: bool = False,
    batch_size: int = 8,
    source: str = "",
    show_progress: bool = False,
) -> VectorBank:
    """One vector per CWE with >= min_pairs pairs, a pooled vector over all pairs, and (if router_layer is
    given) a CWE router fit on both sides' activations at that layer; all from one read of the pairs."""
    require_pairs(pairs)
    get_method(method)
    from secsteer.model.layers import num_layers, resolve_layers

    chosen = resolve_layers(layers, num_layers(model))
    with_router = router_layer is not None and focus == "all"    # the router reads whole texts, as prompts are
    read = sorted({*chosen, router_layer}) if with_router and router_layer is not None else chosen
    secure, insecure = read_pairs(model, tokenizer, pairs, read, pooling, batch_size, show_progress,
                                  focus=focus, context_lines=context_lines)
    extra: dict[str, Any] = {"focus": focus, "context_lines": context_lines} if focus != "all" else {}

    def vector_of(rows: list[int]) -> SteeringVector:
        sec, ins = _subset(secure, rows, chosen), _subset(insecure, rows, chosen)
        more = {**extra, "secure_centroid": centroid_json(sec)} if secure_centroid else extra
        return vector_from_activations(model, sec, ins, [pairs[i] for i in rows], method, pooling, source,
                                       extra=more)

    counts = Counter(p.cwe for p in pairs)
    vectors = {cwe: vector_of([i for i, p in enumerate(pairs) if p.cwe == cwe])
               for cwe in sorted(counts) if counts[cwe] >= min_pairs}
    if not vectors:
        raise ValueError(f"no CWE has >= {min_pairs} pairs (counts: {dict(counts)}); lower min_pairs")
    log.info("bank: %d CWE vectors (%s), %d CWEs below %d pairs", len(vectors), ", ".join(vectors),
             len(counts) - len(vectors), min_pairs)
    pooled = vector_of(list(range(len(pairs))))
    router = None
    if router_layer is not None:
        sec, ins = (secure, insecure) if with_router else read_pairs(
            model, tokenizer, pairs, [router_layer], pooling, batch_size, show_progress)
        hidden = torch.cat([sec.pooled[router_layer], ins.pooled[router_layer]])
        router = fit_cwe_classifier(hidden, [p.cwe for p in pairs] * 2, router_layer, pooling)
    return VectorBank(vectors=vectors, pooled=pooled, router=router)
