"""secsteer report: Markdown and HTML with PNG plots, from a run directory's results store."""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import Sequence
from pathlib import Path

from secsteer.report.compare import with_differences
from secsteer.report.coverage import coverage_section
from secsteer.report.load import RunData, find_baseline, load_runs
from secsteer.report.plots import all_plots
from secsteer.report.scenarios import scenario_section
from secsteer.report.tables import best_cells, cell_table, summary_text


def build_report(run_dirs: str | Path | Sequence[str | Path], out: str | Path | None = None) -> dict[str, Path]:
    """Write the report of one run directory (into RUN_DIR/report by default), or of several seeds of one
    spec pooled (`out` required: no single run directory owns the pooled report)."""
    roots = [run_dirs] if isinstance(run_dirs, (str, Path)) else list(run_dirs)
    if len(roots) > 1 and out is None:
        raise ValueError("pooling several run directories needs an output directory (--out)")
    data = load_runs(roots)
    cells = with_differences(data.cells, data.baseline)
    baseline = find_baseline(cells)
    data = dataclasses.replace(data, cells=cells, baseline=baseline)
    out = Path(out) if out is not None else data.root / "report"
    out.mkdir(parents=True, exist_ok=True)
    plots = all_plots(data, out)
    order = sorted(cells, key=lambda c: (c["condition"] != "baseline", c["vector"] or "", c["layers"], c["scale"]))
    best = best_cells(cells, 1)
    security = any(s.get("cwe") for s in data.samples) or not data.samples   # HumanEval and the like: none
    table, notes = scenario_section(data.samples, cells, best[0] if best else None, security)
    covered, blind = coverage_section(order, data.samples, data.spec.get("scenarios", ()),
                                      data.spec.get("analyzers", ()))
    sections = {
        "scenarios": table,
        "scenario_notes": "\n".join(notes),
        "summary": summary_text(cells, baseline, security, data.spec.get("mode", "add")),
        "best": cell_table(best_cells(cells), security),
        "all": cell_table(order, security),
        "covered": covered,
        "blind": blind,
    }
    md = render_markdown(data, sections, plots)
    (out / "report.md").write_text(md, encoding="utf-8")
    (out / "report.html").write_text(render_html(data, sections, plots), encoding="utf-8")
    (out / "cells.json").write_text(json.dumps(cells, indent=1, sort_keys=True), encoding="utf-8")
    return {"markdown": out / "report.md", "html": out / "report.html", **{p.stem: p for p in plots}}


NOTE = ("Intervals are 95%: Wilson for rates, a paired cluster bootstrap over scenarios for differences "
        "(Δ, in points; * marks an interval that excludes zero). Identical completions of a scenario count once.")


def describe_run(data: RunData) -> str:
    spec = data.spec
    pooled = (f" (pooled over sampling seeds {', '.join(map(str, spec['seed']))}: "
              f"{', '.join(str(r) for r in data.roots)})" if data.roots else "")
    return (f"Model `{spec['model']}`; pairs {spec['pairs']}; scenarios {spec['scenarios']}; "
            f"{spec['samples']} samples per scenario{pooled} at temperature {spec['temperature']}; "
            f"code execution {'on' if spec['run_tests'] else 'off (static analysis only)'}.")


def render_markdown(data: RunData, sections: dict[str, str], plots: list[Path]) -> str:
    parts = [
        f"# secsteer report: {data.spec['name']}",
        describe_run(data),
        "## Summary", sections["summary"], NOTE,
        "## Best configurations", sections["best"], *_blind(sections),
        "## Judge coverage: security on the CWEs the judge sees",
        *([sections["covered"]] if sections["covered"] else []), *_blind(sections),
        "## Per scenario", *([sections["scenarios"]] if sections["scenarios"] else []),
        *sections["scenario_notes"].splitlines(), *_blind(sections),
        "## Plots", *[f"![{p.stem}]({p.name})" for p in plots],
        "## All cells", sections["all"], *_blind(sections),
        "## Environment", "```json\n" + json.dumps(data.env, indent=1) + "\n```",
    ]
    return "\n\n".join(parts) + "\n"


def _blind(sections: dict[str, str]) -> list[str]:
    return [sections["blind"]] if sections["blind"] else []


def _html_table(markdown: str) -> str:
    rows = [r.strip("|").split(" | ") for r in markdown.splitlines() if not r.startswith("|---")]
    head = "".join(f"<th>{html.escape(c.strip())}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c.strip())}</td>" for c in r) + "</tr>" for r in rows[1:])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())


def render_html(data: RunData, sections: dict[str, str], plots: list[Path]) -> str:
    summary = _paragraphs(sections["summary"])
    per_scenario = (_html_table(sections["scenarios"]) if sections["scenarios"] else "") + \
        _paragraphs(sections["scenario_notes"])
    blind = _paragraphs(sections["blind"])
    covered = _html_table(sections["covered"]) if sections["covered"] else ""
    images = "".join(f'<figure><img src="{p.name}" alt="{p.stem}"><figcaption>{p.stem}</figcaption></figure>'
                     for p in plots)
    style = ("body{font-family:sans-serif;max-width:1200px;margin:2em auto}table{border-collapse:collapse;"
             "font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px}img{max-width:100%}")
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>secsteer report</title><style>{style}"
            f"</style></head><body><h1>secsteer report: {html.escape(data.spec['name'])}</h1>"
            f"<p>{html.escape(describe_run(data))}</p>"
            f"<h2>Summary</h2>{summary}<p><em>{html.escape(NOTE)}</em></p>"
            f"<h2>Best configurations</h2>{_html_table(sections['best'])}{blind}"
            f"<h2>Judge coverage: security on the CWEs the judge sees</h2>{covered}{blind}"
            f"<h2>Per scenario</h2>{per_scenario}{blind}<h2>Plots</h2>{images}"
            f"<h2>All cells</h2>{_html_table(sections['all'])}{blind}</body></html>")
