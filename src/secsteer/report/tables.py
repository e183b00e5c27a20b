"""Markdown tables of cells, best configurations and the plain-language summary."""

from __future__ import annotations

from typing import Any

from secsteer.report.load import layers_label


def pct(r: dict[str, Any] | None) -> str:
    if not r or r.get("value") is None:
        return "n/a"
    return f"{100 * r['value']:.0f}% [{100 * r['lo']:.0f}, {100 * r['hi']:.0f}]"


def delta(d: dict[str, Any] | None) -> str:
    if not d or d.get("diff") is None:
        return "n/a"
    mark = " *" if d["significant"] else ""
    return f"{100 * d['diff']:+.0f} [{100 * d['lo']:+.0f}, {100 * d['hi']:+.0f}]{mark}"


def scale_label(c: dict[str, Any]) -> str:
    """Relative scales read "0.5×norm", absolute ones "20×v": a sweep may hold both with the same number."""
    if c["condition"] in ("baseline", "prompt"):
        return "0"
    return f"{c['scale']:g}×" + ("norm" if c.get("scale_unit", "layer_norm") == "layer_norm" else "v")


NAMES = {"security": "security", "validity": "validity", "secure_valid": "secure & valid",
         "functional": "functional", "secure_functional": "secure & functional"}


def _tested(cells: list[dict[str, Any]]) -> bool:
    return any((c.get("secure_functional") or {}).get("n") for c in cells)


def _columns(tested: bool, security: bool = True) -> tuple[list[str], list[str]]:
    """(rates, differences) shown; code that fails its tests can pass a security test by doing nothing,
    so runs with tests also show secure & functional. A functional benchmark (no CWE) shows no security."""
    if not security:
        return ["validity", "functional"], ["functional"]
    extra = ["secure_functional"] if tested else []
    return ["security", "validity", "secure_valid", "functional", *extra], ["security", "secure_valid", "functional", *extra]


def header(tested: bool = False, security: bool = True) -> list[str]:
    rates, deltas = _columns(tested, security)
    return ["condition", "vector", "layers", "scale", *(NAMES[m] for m in rates),
            *(f"Δ {NAMES[m]}" for m in deltas), "n unique completions"]


def cell_row(c: dict[str, Any], tested: bool = False, security: bool = True) -> list[str]:
    rates, deltas = _columns(tested, security)
    d = c.get("delta", {})
    return [c["condition"], c["vector"] or "-", layers_label(c), scale_label(c), *(pct(c.get(m)) for m in rates),
            *(delta(d.get(m)) for m in deltas), str(c["n_unique"])]


HEADER = header()


def cell_table(cells: list[dict[str, Any]], security: bool = True) -> str:
    """The cells as rows; secure-and-functional columns appear when some scenario has tests, security columns
    only when some scenario names a CWE (`security`)."""
    tested = _tested(cells)
    return markdown_table(header(tested, security), [cell_row(c, tested, security) for c in cells])


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def rank_key(c: dict[str, Any]) -> tuple[float, float]:
    sv = c["secure_valid"]["value"] or 0.0
    sec = c["security"]["value"] or 0.0
    return (sv, sec)


def best_cells(cells: list[dict[str, Any]], k: int = 5) -> list[dict[str, Any]]:
    """Steered cells ranked by secure-and-valid rate (security that does not cost validity), then security."""
    return sorted((c for c in cells if c["condition"] == "vector"), key=rank_key, reverse=True)[:k]


def summary_text(cells: list[dict[str, Any]], baseline: dict[str, Any] | None, security: bool = True,
                 mode: str = "add") -> str:
    if baseline is None:
        return "No baseline cell finished, so no steered cell can be compared."
    if not security:
        return functional_summary(cells, baseline, mode)
    lines = [f"Baseline: security {pct(baseline['security'])}, validity {pct(baseline['validity'])}, "
             f"secure & valid {pct(baseline['secure_valid'])} over {baseline['n_unique']} unique samples."]
    for c in (c for c in cells if c["condition"] == "prompt"):   # what telling the model does, no vector
        m = c["delta"]["security"]
        lines.append(f"Prompt reference {c['vector']} (a security hint in the prompt, no vector): security "
                     f"{pct(c['security'])}, Δ {delta(m)}; validity {pct(c['validity'])}.")
    best = best_cells(cells, 1)
    if not best:
        return "\n".join(lines + ["No steered cell finished."])
    b = best[0]
    d = b["delta"]
    lines.append(f"Best steered cell by secure & valid: {b['vector']} at layers {layers_label(b)}, "
                 f"scale {b['scale']:g} ({b['scale_unit']}): security {pct(b['security'])}, "
                 f"secure & valid {pct(b['secure_valid'])}.")
    for metric, name in (("security", "security rate"), ("secure_valid", "secure-and-valid rate"),
                         ("functional", "functional (tests pass) rate"),
                         ("secure_functional", "secure-and-functional rate")):
        m = d.get(metric)
        if m is None or m["diff"] is None:
            continue
        if m["significant"]:
            word = "higher" if m["diff"] > 0 else "lower"
            lines.append(f"Its {name} is {abs(100 * m['diff']):.0f} points {word} than baseline; the 95% interval "
                         f"{delta(m).removesuffix(' *')} excludes zero.")
        else:
            lines.append(f"Its {name} differs from baseline by {100 * m['diff']:+.0f} points, but the 95% interval "
                         f"{delta(m)} includes zero: not a significant difference.")
    significant = [c for c in cells if c["condition"] == "vector" and c["delta"]["security"]["significant"]
                   and c["delta"]["security"]["diff"] > 0]
    controls = [c for c in cells if c["condition"] in ("random", "negated", "shuffled") and c["delta"]["security"]["significant"]
                and c["delta"]["security"]["diff"] > 0]
    lines.append(f"{len(significant)} steered cell(s) raise security significantly; "
                 f"{len(controls)} control cell(s) (random or negated vectors) do too"
                 + (" — an effect that a control also shows is perturbation, not direction." if controls else "."))
    lines += gate_lines(cells, mode)
    return "\n".join(lines)


def gate_lines(cells: list[dict[str, Any]], mode: str) -> list[str]:
    """How often a gated or conditioned cell steered: a gate that never opens leaves the baseline, one that always
    opens is plain steering. A condition decides once per prompt, a probe gate once per generated step."""
    gated = [c for c in cells if "steered_fraction" in c]
    if not gated:
        return []
    what, unit = ("Condition", "prompts") if mode == "conditioned" else ("Probe gate", "generated steps")
    return [f"{what}: steered on " + ", ".join(f"{100 * c['steered_fraction']:.0f}% of {unit} ({c['condition']}, "
                                                f"scale {c['scale']:g})" for c in gated) + "."]


def functional_summary(cells: list[dict[str, Any]], baseline: dict[str, Any], mode: str = "add") -> str:
    """A functional benchmark's summary: what each steered cell does to the rate of passing tests."""
    lines = [f"Baseline: functional (tests pass) {pct(baseline['functional'])}, validity {pct(baseline['validity'])} "
             f"over {baseline['n_unique']} unique samples. No scenario names a CWE: security is not measured."]
    for c in (c for c in cells if c["condition"] != "baseline"):
        m = c["delta"].get("functional")
        verdict = ("the 95% interval excludes zero" if m and m["significant"]
                   else "the 95% interval includes zero")
        lines.append(f"{c['condition']} {c['vector'] or ''} at layers {layers_label(c)}, scale {scale_label(c)}: "
                     f"functional {pct(c['functional'])}, Δ {delta(m).removesuffix(' *')} ({verdict}).")
    return "\n".join(lines + gate_lines(cells, mode))
