"""Choose steering layers from data: rank layers by how well the mean-difference direction separates
held-out secure from insecure code.

Scores (all per layer, higher is better):
- "cv_auroc": grouped k-fold; the direction is the mean paired difference of the training folds, and the
  AUROC of held-out projections (secure = positive) is averaged over folds;
- "cv_paired": the same folds; the fraction of held-out pairs whose secure side projects higher;
- "dprime": in-sample separation (m_s - m_i) / sqrt((var_s + var_i) / 2) of the projections on the
  direction from all pairs (optimistic: no held-out data; fast sanity check).
Groups keep near-duplicates in one fold: a pair's `meta["commit_link"]` when present, else its id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import torch
from torch import Tensor, nn

from secsteer.activations.read import Activations, Pooling
from secsteer.data.pairs import ContrastPair, require_pairs
from secsteer.vectors.build import read_pairs
from secsteer.vectors.diff import Focus

__all__ = ["LayerChoice", "auroc", "choose_layers", "group_folds", "layer_scores"]

Score = Literal["cv_auroc", "cv_paired", "dprime"]
SCORES = ("cv_auroc", "cv_paired", "dprime")


@dataclass(frozen=True)
class LayerChoice:
    layers: tuple[int, ...]          # the k best layers, best first
    scores: dict[int, float]         # every layer read -> its score
    score: str                       # which score ranked them
    n_pairs: int


def auroc(positive: Tensor, negative: Tensor) -> float:
    """P(positive > negative) + 0.5 P(tie), by all pairwise comparisons (small validation sets)."""
    diff = positive.view(-1, 1) - negative.view(1, -1)
    return float(((diff > 0).double() + 0.5 * (diff == 0).double()).mean())


def group_folds(pairs: Sequence[ContrastPair], folds: int) -> list[list[int]]:
    """Deterministic grouped folds: indices of the pairs held out in each fold; a group never splits."""
    keys = [str(p.meta.get("commit_link") or p.id) for p in pairs]
    groups = sorted(set(keys), key=lambda k: hashlib.sha256(k.encode()).hexdigest())
    n = min(folds, len(groups))
    if n < 2:
        raise ValueError(f"grouped cross-validation needs pairs from at least 2 groups, got {len(groups)}; "
                         "use score='dprime' or more validation pairs")
    fold_of = {g: i % n for i, g in enumerate(groups)}
    return [[i for i, k in enumerate(keys) if fold_of[k] == f] for f in range(n)]


def _cv_score(secure: Tensor, insecure: Tensor, held_out: list[list[int]], score: str) -> float:
    # secure, insecure: (n, d) for one layer; row i is pair i
    values = []
    for test in held_out:
        train = torch.ones(secure.shape[0], dtype=torch.bool)
        train[test] = False
        direction = (secure[train] - insecure[train]).mean(dim=0).double()
        s, i = secure[test].double() @ direction, insecure[test].double() @ direction
        values.append(auroc(s, i) if score == "cv_auroc" else float((s > i).double().mean()))
    return sum(values) / len(values)


def _dprime(secure: Tensor, insecure: Tensor) -> float:
    direction = (secure - insecure).mean(dim=0).double()
    s, i = secure.double() @ direction, insecure.double() @ direction
    spread = ((s.var() + i.var()) / 2).sqrt() if len(s) > 1 else torch.tensor(0.0)
    return float((s.mean() - i.mean()) / spread) if spread > 0 else float("inf")


def layer_scores(
    secure: Activations,
    insecure: Activations,
    pairs: Sequence[ContrastPair],
    score: Score = "cv_auroc",
    folds: int = 5,
) -> dict[int, float]:
    """Score every layer read; secure/insecure rows follow `pairs`."""
    if score not in SCORES:
        raise ValueError(f"score must be one of {SCORES}, got {score!r}")
    held_out = group_folds(pairs, folds) if score != "dprime" else []
    result = {}
    for layer in secure.layers:
        sec, ins = secure.pooled[layer], insecure.pooled[layer]
        result[layer] = _dprime(sec, ins) if score == "dprime" else _cv_score(sec, ins, held_out, score)
    return result


def choose_layers(
    model: nn.Module,
    tokenizer: Any,
    val_pairs: Sequence[ContrastPair],
    k: int = 1,
    pooling: Pooling = "mean",
    *,
    score: Score = "cv_auroc",
    folds: int = 5,
    layers: Sequence[int] | str | None = None,
    focus: Focus = "all",
    context_lines: int = 0,
    batch_size: int = 8,
    show_progress: bool = False,
) -> LayerChoice:
    """The k layers (best first) whose secure-minus-insecure direction separates held-out pairs best."""
    require_pairs(val_pairs, "validation pairs")
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    secure, insecure = read_pairs(model, tokenizer, val_pairs, layers, pooling, batch_size, show_progress,
                                  focus=focus, context_lines=context_lines)
    scores = layer_scores(secure, insecure, val_pairs, score, folds)
    ranked = sorted(scores, key=lambda layer: (-scores[layer], layer))
    return LayerChoice(layers=tuple(ranked[:k]), scores=scores, score=score, n_pairs=len(val_pairs))
