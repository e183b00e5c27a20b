"""Linear probes on pooled hidden states: does layer L linearly separate vulnerable from patched code?

Cross-validation is grouped by pair (GroupKFold), so the two sides of one pair, and all its variants, are
always on the same side of a fold: otherwise a probe can score well by matching near-identical code across
the split. `check_grouped_split` enforces this on every fold. Features are standardized inside each fold.
Accuracy and AUROC come from out-of-fold predictions, with intervals from a bootstrap over pairs.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from torch import Tensor
from tqdm.auto import tqdm

from secsteer.data.splits import LeakageError
from secsteer.detection.linear import LinearProbe, load_linear_probes, save_linear_probes
from secsteer.detection.metrics import (
    Estimate,
    Indices,
    auroc_estimate,
    jsonable,
    paired_auroc_estimate,
    wilson,
)

__all__ = [
    "LayerProbe", "ProbeResults", "Transfer", "check_grouped_split", "fit_probe", "grouped_folds",
    "leave_one_cwe_out",
]

log = logging.getLogger(__name__)
Features = Mapping[int, Tensor | np.ndarray]      # layer -> (n_examples, d_model)


@dataclass(frozen=True)
class LayerProbe:
    layer: int
    accuracy: Estimate               # out-of-fold, threshold 0.5
    auroc: Estimate                  # out-of-fold P(vulnerable)
    paired_auroc: Estimate           # the same, comparing each vulnerable side only with its own patch
    oof_scores: list[float]          # out-of-fold P(vulnerable) per example, for ROC curves
    probe: LinearProbe               # refit on every example: the direction to reuse


@dataclass(frozen=True)
class ProbeResults:
    layers: dict[int, LayerProbe]
    labels: list[int]                # 1 = vulnerable
    groups: list[str]
    n_splits: int
    c: float

    def best_layer(self, metric: str = "auroc") -> int:
        if metric not in ("auroc", "accuracy"):
            raise ValueError(f"metric must be 'auroc' or 'accuracy', got {metric!r}")
        return max(self.layers, key=lambda layer: (getattr(self.layers[layer], metric).value, -layer))

    def to_json(self) -> dict[str, Any]:
        """Per-layer metrics (with intervals), the out-of-fold scores and the labels they are judged against."""
        return jsonable({
            "n_examples": len(self.labels), "n_groups": len(set(self.groups)), "n_splits": self.n_splits,
            "c": self.c, "best_layer": self.best_layer(),
            "layers": [{"layer": r.layer, "accuracy": r.accuracy, "auroc": r.auroc, "paired_auroc": r.paired_auroc,
                        "gap": r.probe.gap}
                       for r in self.layers.values()],
            "labels": self.labels, "groups": self.groups,
            "oof_scores": {str(layer): r.oof_scores for layer, r in self.layers.items()},
        })

    def save(self, folder: str | Path, meta: dict[str, Any] | None = None) -> tuple[Path, Path]:
        """probes.json (metrics) and probes.safetensors (every layer's refit probe) in `folder`."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        weights = save_linear_probes({k: r.probe for k, r in self.layers.items()}, folder / "probes.safetensors",
                                     meta)
        report = folder / "probes.json"
        report.write_text(json.dumps({"meta": meta or {}, **self.to_json()}, indent=1) + "\n")
        return report, weights

    @classmethod
    def load(cls, folder: str | Path) -> ProbeResults:
        """Read back what save() wrote (to re-plot or reuse the probes without reading the model again)."""
        folder = Path(folder)
        report = folder / "probes.json"
        if not report.is_file():
            raise FileNotFoundError(f"{report} does not exist; write it with `secsteer probe --out {folder}`")
        data = json.loads(report.read_text())
        probes, _ = load_linear_probes(folder / "probes.safetensors")
        layers = {}
        for row in data["layers"]:
            layer = int(row["layer"])
            layers[layer] = LayerProbe(layer, _estimate(row["accuracy"]), _estimate(row["auroc"]),
                                       _estimate(row["paired_auroc"]), data["oof_scores"][str(layer)], probes[layer])
        return cls(layers, data["labels"], data["groups"], int(data["n_splits"]), float(data["c"]))


def _estimate(record: dict[str, Any]) -> Estimate:
    def number(x: float | None) -> float:
        return math.nan if x is None else float(x)
    return Estimate(number(record["value"]), number(record["low"]), number(record["high"]), int(record["n"]))


def check_grouped_split(train: Indices, test: Indices, groups: Sequence[str]) -> None:
    """Raise LeakageError when a group (pair) has examples on both sides of a split."""
    shared = sorted({groups[int(i)] for i in train} & {groups[int(i)] for i in test})
    if shared:
        raise LeakageError(
            f"{len(shared)} pair(s) have examples in both the training and the test part of a split, e.g. "
            f"{shared[:3]}; split by pair (group) so that both sides of a pair stay together", shared,
        )


def grouped_folds(groups: Sequence[str], n_splits: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    """GroupKFold folds (at most one per group), each checked not to leak a pair."""
    n_groups = len(set(groups))
    if n_groups < 2:
        raise ValueError(f"grouped cross-validation needs at least 2 pairs (groups), got {n_groups}")
    folds = list(GroupKFold(n_splits=min(n_splits, n_groups)).split(np.zeros(len(groups)), groups=groups))
    for train, test in folds:
        check_grouped_split(train, test, groups)
    return folds


def _as_numpy(x: Tensor | np.ndarray) -> np.ndarray:
    return x.detach().cpu().double().numpy() if isinstance(x, Tensor) else np.asarray(x, dtype=np.float64)


def _classifier(c: float, seed: int) -> Pipeline:
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000, random_state=seed))


def _check_inputs(features: Features, labels: Sequence[int], groups: Sequence[str]) -> np.ndarray:
    y = np.asarray(labels, dtype=int)
    if len(groups) != len(y) or not features:
        raise ValueError(f"need features for at least one layer and one group per label; got {len(y)} labels, "
                         f"{len(groups)} groups, {len(features)} layers")
    if set(np.unique(y)) != {0, 1}:
        raise ValueError("probe labels must contain both 0 (patched) and 1 (vulnerable)")
    for layer, x in features.items():
        if len(x) != len(y):
            raise ValueError(f"layer {layer}: {len(x)} feature rows for {len(y)} labels")
    return y


def fit_probe(
    features: Features,
    labels: Sequence[int],
    groups: Sequence[str],
    n_splits: int = 5,
    c: float = 1.0,
    n_resamples: int = 1000,
    seed: int = 0,
    show_progress: bool = False,
) -> ProbeResults:
    """Per layer: grouped-CV accuracy and AUROC of a standardized logistic-regression probe, and the probe
    refit on all examples (weights as tensors, reusable for gating or as a steering direction)."""
    y = _check_inputs(features, labels, groups)
    folds = grouped_folds(groups, n_splits)
    results = {}
    for layer in tqdm(sorted(features), disable=not show_progress, desc="probes"):
        x = _as_numpy(features[layer])
        oof = np.empty(len(y))
        for train, test in folds:
            if len(np.unique(y[train])) < 2:
                raise ValueError(f"a training fold holds one class only; use fewer folds than {n_splits}")
            model = _classifier(c, seed).fit(x[train], y[train])
            oof[test] = model.predict_proba(x[test])[:, 1]
        correct = (oof >= 0.5).astype(int) == y
        results[layer] = LayerProbe(
            layer=layer,
            accuracy=wilson(int(correct.sum()), len(y)),
            auroc=auroc_estimate(y, oof, groups, n_resamples, seed),
            paired_auroc=paired_auroc_estimate(y, oof, groups, n_resamples, seed),
            oof_scores=oof.tolist(),
            probe=_refit(layer, x, y, c, seed),
        )
    return ProbeResults(layers=results, labels=y.tolist(), groups=list(groups), n_splits=len(folds), c=c)


def _refit(layer: int, x: np.ndarray, y: np.ndarray, c: float, seed: int) -> LinearProbe:
    pipeline = _classifier(c, seed).fit(x, y)
    scaler, logistic = pipeline[0], pipeline[1]
    weight = torch.tensor(logistic.coef_[0], dtype=torch.float32)
    probe = LinearProbe(
        layer=layer, weight=weight, bias=float(logistic.intercept_[0]),
        mean=torch.tensor(scaler.mean_, dtype=torch.float32), scale=torch.tensor(scaler.scale_, dtype=torch.float32),
        gap=0.0,
    )
    # How far apart the class means lie along the secure direction: the vector's natural length.
    unit = probe.secure_direction()
    projected = torch.tensor(x, dtype=torch.float32) @ unit
    gap = float(projected[torch.tensor(y == 0)].mean() - projected[torch.tensor(y == 1)].mean())
    if gap <= 0:
        log.warning("layer %d: the probe does not separate the class means (gap %.3g)", layer, gap)
    return LinearProbe(probe.layer, probe.weight, probe.bias, probe.mean, probe.scale, gap)


@dataclass(frozen=True)
class Transfer:
    held_out: str                    # the CWE left out of training
    accuracy: Estimate
    auroc: Estimate


def leave_one_cwe_out(
    features: Features,
    labels: Sequence[int],
    groups: Sequence[str],
    cwes: Sequence[str],
    c: float = 1.0,
    n_resamples: int = 1000,
    seed: int = 0,
) -> dict[int, list[Transfer]]:
    """Per layer, train on every CWE but one and test on that one: does the direction transfer?"""
    y = _check_inputs(features, labels, groups)
    names = sorted(set(cwes))
    if len(names) < 2:
        raise ValueError(f"leave-one-CWE-out needs at least 2 CWEs, got {names}")
    cwe_array = np.asarray(cwes)
    results: dict[int, list[Transfer]] = {}
    for layer in sorted(features):
        x = _as_numpy(features[layer])
        results[layer] = []
        for name in names:
            test, train = np.flatnonzero(cwe_array == name), np.flatnonzero(cwe_array != name)
            check_grouped_split(train, test, groups)
            if len(np.unique(y[train])) < 2 or len(np.unique(y[test])) < 2:
                log.info("layer %d: %s skipped, one side holds a single class", layer, name)
                continue
            scores = _classifier(c, seed).fit(x[train], y[train]).predict_proba(x[test])[:, 1]
            test_groups = [groups[int(i)] for i in test]
            correct = int(((scores >= 0.5).astype(int) == y[test]).sum())
            area = auroc_estimate(y[test], scores, test_groups, n_resamples, seed)
            results[layer].append(Transfer(name, wilson(correct, len(test)), area))
    return results
