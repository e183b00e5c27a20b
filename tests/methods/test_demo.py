"""The demo's closing sentence says whether the steered security difference is significant, and why."""

from __future__ import annotations

import json

from secsteer.cli.demo import significance
from tests.experiments.test_sweep import model_dir  # noqa: F401  (module-scoped fixture)


def _row(condition: str, diff: float | None, lo: float | None = None, hi: float | None = None) -> dict:
    sig = diff is not None and (lo > 0 or hi < 0)
    return {"condition": condition, "delta": {"security": {"diff": diff, "lo": lo, "hi": hi, "significant": sig}}}


def test_interval_with_zero_is_called_not_significant():
    rows = [_row("baseline", None), _row("vector", 0.08, -0.01, 0.18), _row("random", 0.02, -0.05, 0.1),
            _row("negated", -0.03, -0.1, 0.04)]
    text = significance(rows)
    assert "+8 points [-1, +18]" in text and "random +2, negated -3" in text
    assert text.endswith("the 95% interval includes zero, so the difference is not significant.")


def test_interval_excluding_zero_is_called_significant_with_its_direction():
    text = significance([_row("vector", 0.25, 0.1, 0.4), _row("negated", -0.1, -0.2, 0.0)])
    assert "raises the security rate by +25 points [+10, +40]" in text and "is significant" in text
    assert "lowers" in significance([_row("vector", -0.2, -0.3, -0.1)])
    assert "no difference to test" in significance([_row("vector", None)])


def test_best_points_every_seccodeplt_source_of_the_preset_at_the_folder_given(tmp_path):
    from secsteer.cli.demo_best import best_spec

    spec = best_spec(tmp_path / "scp", samples=3, seed=5)
    text = json.dumps(spec.to_json())
    assert "../shared" not in text and text.count(str(tmp_path / "scp")) >= 4
    assert (spec.mode, spec.controls, spec.samples, spec.seed) == ("conditioned", ("random", "negated"), 3, 5)
    assert spec.model == "bundled:qwen2.5-coder-1.5b-instruct" and len(spec.scenario_ids) == 13


def test_best_refuses_without_seccodeplt_before_loading_anything(tmp_path, capsys):
    from secsteer.cli.main import main

    assert main(["demo", "--best", "--seccodeplt", str(tmp_path)]) == 2
    assert "no data.json" in capsys.readouterr().err


def test_best_runs_its_spec_and_prints_an_example_the_table_the_condition_and_the_verdict(
        tmp_path, model_dir, monkeypatch, capsys):  # noqa: F811
    """The whole --best path on a tiny model: the preset is swapped for a tiny conditioned sweep."""
    from secsteer.cli import demo_best
    from secsteer.cli.main import main
    from secsteer.experiments.spec import load_spec
    from tests.experiments.test_sweep import write_spec

    tiny = load_spec(write_spec(tmp_path / "s.toml", model_dir, mode="conditioned", layer_sets=[[1]], scales=[1.0],
                                n_pairs=["all"], controls=["random", "negated"], samples=1, condition_tasks=6))
    monkeypatch.setattr(demo_best, "best_spec", lambda *a: tiny)
    (tmp_path / "data.json").write_text("[]")
    assert main(["demo", "--best", "--seccodeplt", str(tmp_path), "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "| baseline" in out and "| random" in out and "| negated" in out
    assert "Condition: steered on" in out
    assert "----- steered (" in out or "No task's first samples differ" in out
    assert "so the difference is" in out or "no difference to test" in out
    assert (tmp_path / "out" / "cells.jsonl").is_file()


def test_first_difference_is_the_first_task_in_order_whose_verdicts_differ():
    from types import SimpleNamespace

    from secsteer.cli.demo_best import first_difference, show

    cells = [{"cell": "b", "condition": "baseline"}, {"cell": "v", "condition": "vector"}]
    rec = lambda cell, sc, secure, sample=0: {"cell": cell, "scenario": sc, "sample": sample, "valid": True,  # noqa: E731
                                              "secure": secure, "completion": f"{cell}-{sc}"}
    samples = [rec("b", "t1", True), rec("v", "t1", True), rec("b", "t2", False), rec("v", "t2", True),
               rec("b", "t3", False), rec("v", "t3", True), rec("b", "t0", True, 1), rec("v", "t0", False, 1)]
    store = SimpleNamespace(cells=lambda: cells, samples=lambda: samples)
    order = [SimpleNamespace(id=i, prompt=f"def {i}():\n") for i in ("t0", "t1", "t3", "t2")]
    scenario, base, steered = first_difference(store, order)
    assert scenario.id == "t3" and base["completion"] == "b-t3"      # t0 differs only in its second sample
    assert "baseline (insecure)" in show((scenario, base, steered)) and "steered (secure)" in show((scenario, base, steered))
