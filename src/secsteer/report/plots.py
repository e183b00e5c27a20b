"""PNG plots of a run (matplotlib, Agg backend). Each function returns the file it wrote, or None."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from secsteer.report.load import RunData, layers_label  # noqa: E402
from secsteer.report.tables import best_cells  # noqa: E402

STYLE = {"vector": "-", "random": ":", "negated": "--"}


def _band(ax: Any, xs: list[float], cells: list[dict[str, Any]], metric: str, **kw: Any) -> None:
    pts = [(x, c[metric]) for x, c in zip(xs, cells) if c[metric]["value"] is not None]
    if not pts:
        return
    x = [p[0] for p in pts]
    line = ax.plot(x, [p[1]["value"] for p in pts], marker="o", **kw)[0]
    ax.fill_between(x, [p[1]["lo"] for p in pts], [p[1]["hi"] for p in pts], alpha=0.15, color=line.get_color())


def _baseline(ax: Any, data: RunData, metric: str) -> None:
    b = data.baseline
    if b and b[metric]["value"] is not None:
        ax.axhline(b[metric]["value"], color="black", lw=1)
        ax.axhspan(b[metric]["lo"], b[metric]["hi"], color="black", alpha=0.08, label="baseline")


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def scale_curves(data: RunData, out: Path, unit: str = "layer_norm") -> Path | None:
    lines: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for c in data.steered():
        if c["scale_unit"] == unit:
            lines[(c["condition"], c["vector"], layers_label(c))].append(c)
    if not lines:
        return None
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7.5), sharex=True)
    for (condition, vector, layers), cells in sorted(lines.items()):
        cells.sort(key=lambda c: c["scale"])
        xs = [c["scale"] for c in cells]
        label = f"{vector} @ {layers}" if condition == "vector" else f"{condition} @ {layers}"
        _band(top, xs, cells, "security", ls=STYLE.get(condition, "-"), label=label)
        _band(bottom, xs, cells, "validity", ls=STYLE.get(condition, "-"), label=f"validity {label}")
        if any(c["functional"]["value"] is not None for c in cells):
            _band(bottom, xs, cells, "functional", ls="-.", label=f"functional {label}")
    _baseline(top, data, "security")
    _baseline(bottom, data, "validity")
    top.set_ylabel("security rate (secure ÷ valid)")
    bottom.set_ylabel("validity / functional rate")
    bottom.set_xlabel("scale (× layer norm)" if unit == "layer_norm" else "scale (× vector)")
    for ax in (top, bottom):
        ax.set_ylim(-0.02, 1.02)
        ax.legend(fontsize=7, loc="best")
    top.set_title("Security and quality vs steering scale (95% Wilson bands)")
    return _save(fig, out / f"scale_{unit}.png")


def heatmap(data: RunData, out: Path, metric: str = "security") -> Path | None:
    cells = [c for c in data.steered() if c["condition"] == "vector" and c["scale_unit"] == "layer_norm"]
    if not cells:
        return None
    first = cells[0]["vector"]
    cells = [c for c in cells if c["vector"] == first]
    layer_sets = sorted({layers_label(c) for c in cells}, key=lambda s: [int(x) for x in s.split("+")])
    scales = sorted({c["scale"] for c in cells})
    grid = [[float("nan")] * len(scales) for _ in layer_sets]
    for c in cells:
        value = c[metric]["value"]
        grid[layer_sets.index(layers_label(c))][scales.index(c["scale"])] = float("nan") if value is None else value
    fig, ax = plt.subplots(figsize=(1.2 + 0.9 * len(scales), 1.2 + 0.45 * len(layer_sets)))
    image = ax.imshow(grid, vmin=0, vmax=1, cmap="viridis", aspect="auto")
    ax.set_xticks(range(len(scales)), [f"{s:g}" for s in scales])
    ax.set_yticks(range(len(layer_sets)), layer_sets)
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            if v == v:
                ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", color="white" if v < 0.6 else "black")
    ax.set_xlabel("scale (× layer norm)")
    ax.set_ylabel("layers")
    ax.set_title(f"{metric} rate, {first}")
    fig.colorbar(image, ax=ax)
    return _save(fig, out / f"heatmap_{metric}.png")


def pairs_curve(data: RunData, out: Path) -> Path | None:
    cells = [c for c in data.steered() if c["condition"] == "vector"]
    counts = {c["n_pairs"] for c in cells}
    if len(counts) < 2:
        return None
    lines: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in cells:
        lines[f"{c['method']} @ {layers_label(c)} × {c['scale']:g}"].append(c)
    total = max((c["n_pairs"] for c in cells if c["n_pairs"] != "all"), default=1)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for label, group in sorted(lines.items()):
        xs = [total * 2 if c["n_pairs"] == "all" else c["n_pairs"] for c in group]
        ax.scatter(xs, [c["security"]["value"] for c in group], s=14, alpha=0.5)
        by_n: dict[float, list[float]] = defaultdict(list)
        for x, c in zip(xs, group):
            if c["security"]["value"] is not None:
                by_n[x].append(c["security"]["value"])
        ns = sorted(by_n)
        ax.plot(ns, [sum(by_n[n]) / len(by_n[n]) for n in ns], marker="o", label=f"{label} (mean over draws)")
    _baseline(ax, data, "security")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("contrast pairs used to build the vector ('all' drawn at the right)")
    ax.set_ylabel("security rate")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=7)
    ax.set_title("Sample efficiency: security vs number of pairs")
    return _save(fig, out / "pairs.png")


def per_cwe(data: RunData, out: Path) -> Path | None:
    best = best_cells(data.cells, 1)
    if data.baseline is None or not best:
        return None
    b, s = data.baseline["per_cwe"], best[0]["per_cwe"]
    cwes = sorted(set(b) | set(s))
    fig, ax = plt.subplots(figsize=(1.5 + 0.8 * len(cwes), 4))
    for offset, (label, rows) in ((-0.2, ("baseline", b)), (0.2, ("best steered", s))):
        stats = [rows.get(c, {}).get("security", {}) for c in cwes]
        shown = [(i, r) for i, r in enumerate(stats) if r.get("value") is not None]
        xs = [i + offset for i, _ in shown]
        vals = [r["value"] for _, r in shown]
        err = [[r["value"] - r["lo"] for _, r in shown], [r["hi"] - r["value"] for _, r in shown]]
        ax.bar(xs, vals, 0.4, yerr=err, capsize=3, label=label)
        for i, r in enumerate(stats):       # no valid sample to judge: say so instead of drawing a zero
            if r.get("value") is None:
                ax.text(i + offset, 0.02, "n/a", ha="center", fontsize=7, rotation=90)
    ax.set_xticks(range(len(cwes)), cwes, rotation=30)
    ax.set_ylabel("security rate")
    ax.set_ylim(0, 1.05)
    ax.legend()
    ax.set_title(f"Per CWE: baseline vs {best[0]['vector']} @ {layers_label(best[0])} × {best[0]['scale']:g}")
    return _save(fig, out / "per_cwe.png")


def _errorbars(ax: Any, cells: list[dict[str, Any]], **kw: Any) -> None:
    """Validity (x) against security (y), each with its Wilson interval as an error bar."""
    def bar(metric: str) -> tuple[list[float], list[list[float]]]:
        v = [c[metric]["value"] for c in cells]
        return v, [[x - c[metric]["lo"] for x, c in zip(v, cells)], [c[metric]["hi"] - x for x, c in zip(v, cells)]]
    (x, xerr), (y, yerr) = bar("validity"), bar("security")
    ax.errorbar(x, y, xerr=xerr, yerr=yerr, linestyle="none", elinewidth=0.8, capsize=2, **kw)


def tradeoff(data: RunData, out: Path) -> Path | None:
    if not data.steered():
        return None
    fig, ax = plt.subplots(figsize=(6.5, 5))
    for condition, marker in (("vector", "o"), ("random", "x"), ("negated", "v")):
        cells = [c for c in data.steered() if c["condition"] == condition and c["security"]["value"] is not None]
        if cells:
            _errorbars(ax, cells, fmt=marker, label=condition, alpha=0.7)
    if data.baseline and data.baseline["security"]["value"] is not None:
        _errorbars(ax, [data.baseline], fmt="*", markersize=14, color="black", label="baseline")
    ax.set_xlabel("validity rate (quality)")
    ax.set_ylabel("security rate")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.legend()
    ax.set_title("Security / quality trade-off, one point per cell (95% intervals)")
    return _save(fig, out / "tradeoff.png")


def all_plots(data: RunData, out: Path) -> list[Path]:
    made = [scale_curves(data, out, "layer_norm"), scale_curves(data, out, "vector"), heatmap(data, out),
            pairs_curve(data, out), per_cwe(data, out), tradeoff(data, out)]
    return [p for p in made if p is not None]
