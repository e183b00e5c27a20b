"""The benchmark runner itself, in --quick mode, so that it cannot rot; timing is not asserted."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch
from benchmarks.runner import FIGURES, main

ENGINE = ["steer_b1", "steer_b8", "extract", "sweep_s4", "decode_bw", "bf16_b1", "bf16_b16", "serve_c4", "serve_c8",
          "serve_c8_long"]
FULL_ONLY = ["sven_memory", "demo", "pipeline", "pipeline_ray", "llamacpp_b1", "llamacpp_b8"]
EXTERNAL = ["nnsight_b1", "nnsight_b8", "analyzers"]


@pytest.fixture(scope="module")
def quick_record(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench") / "quick.json"
    threads = torch.get_num_threads()
    try:
        rc = main(["--quick", "--reps", "2", "--skip-external", "--json", str(out)])
    finally:
        torch.set_num_threads(threads)          # quick mode pins one thread; leave the session as it was
    assert rc == 0
    return json.loads(out.read_text())


def test_json_has_every_figure(quick_record: dict) -> None:
    assert list(quick_record["figures"]) == list(FIGURES)
    assert set(FIGURES) == set(ENGINE + FULL_ONLY + EXTERNAL)
    assert quick_record["mode"] == "quick"
    assert quick_record["threads"] == 1
    assert quick_record["engine_model"]["name"] == "tiny"


def test_engine_figures_are_ratios_with_spread(quick_record: dict) -> None:
    for name in ENGINE:
        figure = quick_record["figures"][name]
        assert figure["status"] == "ok", (name, figure["note"])
        ratio, (lo, hi) = figure["ratio"], figure["spread"]
        assert math.isfinite(ratio) and ratio > 0, name
        assert lo <= ratio <= hi, name


def test_targets_are_recorded_and_judged(quick_record: dict) -> None:
    figures = quick_record["figures"]
    assert figures["steer_b1"]["target"] == "<= 1.03"
    assert figures["steer_b8"]["target"] == "<= 1.03"
    assert figures["extract"]["target"] == ">= 0.9"
    assert figures["sweep_s4"]["target"] == "<= 0.5"
    assert figures["serve_c8"]["target"] == ">= 3.0"
    assert figures["serve_c8"]["values"]["batch_sizes"]          # the server recorded its batches
    assert figures["serve_c8_long"]["target"] == ">= 3.0"
    assert sorted(figures["serve_c8_long"]["values"]["rates"]) == ["1", "8"]
    for name in ("steer_b1", "steer_b8", "sweep_s4"):
        assert figures[name]["met"] == (figures[name]["ratio"] <= float(figures[name]["target"].split()[1]))
    assert figures["extract"]["met"] == (figures["extract"]["ratio"] >= 0.9)


def test_absolute_values_are_consistent(quick_record: dict) -> None:
    steer = quick_record["figures"]["steer_b8"]["values"]
    assert len(steer["baseline_runs_s"]) == len(steer["variant_runs_s"]) == 2
    assert steer["plain_tok_per_s"] == pytest.approx(8 * quick_record["new_tokens"] / steer["baseline_s"])
    decode = quick_record["figures"]["decode_bw"]["values"]
    assert decode["bound_tok_per_s"] == pytest.approx(decode["read_gb_per_s"] * 1e9 / (decode["weight_mb"] * 2**20))
    assert quick_record["figures"]["bf16_b1"]["note"] in ("bf16 SLOWER", "bf16 faster")


def test_skipped_figures_say_why(quick_record: dict) -> None:
    for name in FULL_ONLY:
        assert quick_record["figures"][name]["status"] == "skipped"
        assert "full mode only" in quick_record["figures"][name]["note"]
    for name in EXTERNAL:
        assert quick_record["figures"][name] == {**quick_record["figures"][name], "status": "skipped",
                                                 "note": "--skip-external"}


def test_environment_is_recorded(quick_record: dict) -> None:
    env = quick_record["env"]
    assert env["torch"] == torch.__version__
    assert len(env["git_sha"]) in (40, len("unknown"))
    assert env["cores_available"] >= 1
    assert quick_record["wall_s"] > 0


def test_unknown_figure_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--quick", "--only", "steer_b1,nope", "--json", str(tmp_path / "x.json")])
    assert "unknown figure(s) ['nope']" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()
