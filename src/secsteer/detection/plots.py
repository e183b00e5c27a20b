"""Probe plots as PNG: accuracy and AUROC per layer with interval bands, and ROC curves of chosen layers.

Figures are drawn on matplotlib's Agg canvas directly (no pyplot), so nothing global changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.metrics import roc_curve

from secsteer.detection.probes import ProbeResults

__all__ = ["plot_layers", "plot_roc", "roc_layers"]


def _save(fig: Figure, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path


def plot_layers(results: ProbeResults, path: str | Path, title: str = "") -> Path:
    """Out-of-fold accuracy, AUROC and within-pair AUROC against layer, each with its 95% band; the
    dotted line marks the best layer by AUROC (picked on the same data, so its score is optimistic)."""
    layers = sorted(results.layers)
    fig = Figure(figsize=(7, 4))
    ax = fig.subplots()
    for metric, label, colour in (("accuracy", "accuracy", "tab:blue"), ("auroc", "AUROC", "tab:orange"),
                                  ("paired_auroc", "AUROC within pairs", "tab:green")):
        values = np.array([[getattr(results.layers[k], metric).value, getattr(results.layers[k], metric).low,
                            getattr(results.layers[k], metric).high] for k in layers], dtype=float)
        style = "--" if metric == "paired_auroc" else "-"
        ax.plot(layers, values[:, 0], style, marker="o", markersize=3, color=colour, label=label)
        ax.fill_between(layers, values[:, 1], values[:, 2], color=colour, alpha=0.15, linewidth=0)
    ax.axhline(0.5, color="grey", linestyle="--", linewidth=1, label="chance")
    best = results.best_layer()
    ax.axvline(best, color="grey", linestyle=":", linewidth=1, label=f"best layer ({best})")
    ax.set_xlabel("layer")
    ax.set_ylabel("out-of-fold score (95% interval)")
    ax.set_ylim(0.0, 1.02)
    ax.set_title(title or f"linear probe per layer ({len(results.labels)} examples, "
                          f"{len(set(results.groups))} pairs, {results.n_splits}-fold grouped CV)")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def roc_layers(results: ProbeResults) -> list[int]:
    """The layers worth a ROC curve: the best by AUROC, the first, the middle and the last."""
    layers = sorted(results.layers)
    chosen = [results.best_layer(), layers[0], layers[len(layers) // 2], layers[-1]]
    return list(dict.fromkeys(chosen))


def plot_roc(results: ProbeResults, path: str | Path, layers: Sequence[int] | None = None) -> Path:
    """Out-of-fold ROC curves for a few layers (default `roc_layers`)."""
    chosen = list(layers) if layers is not None else roc_layers(results)
    fig = Figure(figsize=(5, 5))
    ax = fig.subplots()
    for layer in chosen:
        result = results.layers[layer]
        fpr, tpr, _ = roc_curve(results.labels, result.oof_scores)
        ax.plot(fpr, tpr, label=f"layer {layer} (AUROC {result.auroc.value:.2f})")
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("false positive rate (patched called vulnerable)")
    ax.set_ylabel("true positive rate (vulnerable found)")
    ax.set_title("probe ROC, out-of-fold")
    ax.set_aspect("equal")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)
