from __future__ import annotations

import json

import pytest

from secsteer.cli.main import main
from tests.experiments.test_sweep import model_dir  # noqa: F401  (module-scoped fixture)


def test_build_then_eval_writes_the_json_fields(tmp_path, model_dir, capsys):  # noqa: F811
    vector = tmp_path / "v.safetensors"
    assert main(["build", "--model", str(model_dir), "--pairs", "builtin", "--cwe", "CWE-89",
                 "--out", str(vector)]) == 0
    out = tmp_path / "eval.json"
    code = main(["eval", "--model", str(model_dir), "--scenarios", "builtin", "--cwe", "CWE-89", "--limit", "2",
                 "--vector", str(vector), "--layers", "1", "--scale", "0.5", "--samples", "2",
                 "--max-new-tokens", "6", "--out", str(tmp_path / "run"), "--json", str(out), "--controls"])
    assert code == 0
    result = json.loads(out.read_text())
    conditions = {c["condition"] for c in result["conditions"]}
    assert conditions == {"baseline", "vector", "random", "negated"}
    for c in [result["baseline"], *result["conditions"]]:
        for key in ("security_rate", "validity_rate", "functional_rate", "security_interval", "validity_interval",
                    "functional_interval", "n", "per_cwe"):
            assert key in c
        assert c["n_samples"] == 4 and set(c["per_cwe"]) == {"CWE-89"}
    steered = next(c for c in result["conditions"] if c["condition"] == "vector")
    assert set(steered["difference_vs_baseline"]) >= {"security", "validity"}
    assert "| baseline |" in capsys.readouterr().out
    # the numbers are the run's own: rates recomputed from the stored samples, intervals around them
    from secsteer.experiments.store import RunStore

    store = RunStore(tmp_path / "run")
    cell_of = {c["condition"]: c["cell"] for c in store.cells()}
    for c in result["conditions"]:
        own = [s for s in store.samples() if s["cell"] == cell_of[c["condition"]]]
        unique = {(s["scenario"], s["completion"].rstrip()): s for s in own}.values()
        assert c["n"] == len(unique) and c["n_samples"] == len(own)
        assert c["validity_rate"] == sum(bool(s["valid"]) for s in unique) / len(unique)
        for m in ("security", "validity", "functional", "secure_valid"):
            if c[f"{m}_rate"] is not None:
                lo, hi = c[f"{m}_interval"]
                assert 0 <= lo <= c[f"{m}_rate"] <= hi <= 1
    base = result["baseline"]
    assert steered["difference_vs_baseline"]["validity"]["diff"] == pytest.approx(
        steered["validity_rate"] - base["validity_rate"])


def test_report_renders_markdown_html_and_plots(tmp_path, model_dir):  # noqa: F811
    vector = tmp_path / "v.safetensors"
    main(["build", "--model", str(model_dir), "--pairs", "builtin", "--cwe", "CWE-78", "--out", str(vector)])
    run = tmp_path / "run"
    main(["eval", "--model", str(model_dir), "--scenarios", "builtin", "--cwe", "CWE-78", "--limit", "1",
          "--vector", str(vector), "--layers", "1", "--scale", "0.5", "--scale", "1.0", "--samples", "2",
          "--max-new-tokens", "6", "--out", str(run)])
    assert main(["report", str(run)]) == 0
    report = run / "report"
    assert (report / "report.md").read_text().startswith("# secsteer report")
    assert "<table>" in (report / "report.html").read_text()
    pngs = {p.name for p in report.glob("*.png")}
    assert {"scale_layer_norm.png", "heatmap_security.png", "tradeoff.png"} <= pngs
    assert all((report / p).stat().st_size > 5000 for p in pngs)
    assert all((report / p).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
    assert len({(report / p).read_bytes() for p in pngs}) == len(pngs)      # not one image under three names
    # every cell of the run is in the report, with its validity as the store has it
    from secsteer.experiments.store import RunStore

    markdown, html = (report / "report.md").read_text(), (report / "report.html").read_text()
    cells = RunStore(run).cells()
    assert len(cells) == 1 + 2                                    # baseline + the vector at 2 scales
    for c in cells:
        v = c["validity"]
        shown = f"{100 * v['value']:.0f}% [{100 * v['lo']:.0f}, {100 * v['hi']:.0f}]"
        assert shown in markdown and shown in html, (shown, c["condition"])


def test_user_errors_are_one_line(tmp_path, capsys):
    assert main(["eval", "--vector", str(tmp_path / "missing.safetensors")]) == 2
    assert "error: vector file" in capsys.readouterr().err
