"""A sweep or eval with a bad layer, scale, vector, pair set, analyzer or sandbox fails before its first
unit: nothing is stored and the run folder is not claimed, so the fixed command needs no --restart."""

from __future__ import annotations

import json

import pytest
import torch
from safetensors.torch import save_file

from secsteer.cli.main import main
from secsteer.data.scenarios import load_scenarios
from secsteer.data.splits import LeakageError
from secsteer.evaluation import _sandbox_host as host
from secsteer.experiments.runner import run_sweep
from secsteer.experiments.spec import load_spec
from tests.experiments.test_sweep import model_dir, write_spec  # noqa: F401  (module-scoped fixture)

SMALL = dict(n_pairs=["all"], controls=[], layer_sets=[[1]], scales=[0.5], scenario_cwes=["CWE-89"])


def assert_not_claimed(out) -> None:
    assert not (out / "run.json").exists() and not (out / "samples.jsonl").exists()


def refused(tmp_path, model_dir, match: str, error=ValueError, **changes) -> None:  # noqa: F811
    out = tmp_path / "run"
    with pytest.raises(error, match=match):
        spec = load_spec(write_spec(tmp_path / "s.toml", model_dir, **{**SMALL, **changes}))
        run_sweep(spec, out, show_progress=False)
    assert_not_claimed(out)


def test_a_layer_beyond_the_model_fails_before_any_unit(tmp_path, model_dir):  # noqa: F811
    refused(tmp_path, model_dir, r"layers \[99\] are outside the model's 3 layers", layer_sets=[[1], [0, 99]])


def test_a_nan_scale_fails_before_any_unit(tmp_path, model_dir):  # noqa: F811
    refused(tmp_path, model_dir, "scales", scales=[float("nan")])


def test_unknown_analyzers_methods_schedules_and_too_many_pairs_fail_first(tmp_path, model_dir):  # noqa: F811
    refused(tmp_path, model_dir, "unknown analyzers", analyzers=["no-such-analyzer"])
    refused(tmp_path, model_dir, "unknown vector methods", methods=["mean_diff", "median"])
    refused(tmp_path, model_dir, "schedule", schedule="sometimes")
    refused(tmp_path, model_dir, r"n_pairs \[100000\] exceed", n_pairs=[100000])


def test_pairs_that_contain_a_scenario_are_refused_by_the_sweep(tmp_path, model_dir):  # noqa: F811
    scenario = next(s for s in load_scenarios("builtin", cwes=["CWE-89"]))
    leaky = tmp_path / "leaky.jsonl"
    rows = [{"id": f"leak/{i}", "cwe": "CWE-89", "language": "python", "secure": scenario.prompt + f"    return {i}\n",
             "insecure": scenario.prompt + f"    return None  # {i}\n"} for i in range(3)]
    leaky.write_text("".join(json.dumps(r) + "\n" for r in rows))
    refused(tmp_path, model_dir, "overlap", LeakageError, pairs=[f"jsonl:{leaky}"], pair_cwes=[])


def vector_file(tmp_path, norm_1: float, name: str = "v.safetensors") -> str:
    meta = {"format_version": 1, "model_id": "m", "architecture": "Qwen2ForCausalLM", "hidden_size": 64,
            "num_layers": 3, "method": "mean_diff", "n_pairs": 2, "pairs_hash": "h",
            "layer_norms": {"0": 1.0, "1": norm_1, "2": 1.0}, "pooling": "mean", "source": "builtin",
            "filters": {}, "extra": {}}
    path = tmp_path / name
    save_file({f"layer.{i}": torch.ones(64) for i in range(3)}, str(path), metadata={"secsteer": json.dumps(meta)})
    return str(path)


def test_a_vector_with_nan_norms_fails_before_any_unit(tmp_path, model_dir):  # noqa: F811
    refused(tmp_path, model_dir, "layer_norms", vector=vector_file(tmp_path, float("nan")))


def test_a_sandbox_that_cannot_isolate_fails_before_any_unit(tmp_path, model_dir, monkeypatch):  # noqa: F811
    monkeypatch.setattr(host, "detect_mode", lambda: "plain")
    monkeypatch.delenv("SECSTEER_UNISOLATED_SANDBOX", raising=False)
    refused(tmp_path, model_dir, "cannot isolate", run_tests=True)


@pytest.mark.parametrize("extra", [["--scale", "nan"], ["--layers", "7"]])
def test_eval_refuses_in_one_line_and_claims_nothing(tmp_path, model_dir, capsys, extra):  # noqa: F811
    vector = vector_file(tmp_path, 1.0)
    out = tmp_path / "eval"
    code = main(["eval", "--model", str(model_dir), "--vector", vector, "--cwe", "CWE-89", "--limit", "1",
                 "--samples", "1", "--max-new-tokens", "2", "--out", str(out), *extra])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert_not_claimed(out)


def test_a_sandbox_error_anywhere_is_one_line_exit_2(monkeypatch, capsys):
    from secsteer.cli import data as cli_data
    from secsteer.evaluation.sandbox import SandboxError

    def broken(_args):
        raise SandboxError("the sandbox cannot isolate model-written code on this machine")

    monkeypatch.setattr(cli_data, "run_validate", broken)
    assert main(["data", "validate", "x.jsonl"]) == 2
    err = capsys.readouterr().err
    assert err.strip().splitlines() == ["secsteer data: error: the sandbox cannot isolate model-written code on this "
                                        "machine"]


def test_conditioned_mode_without_its_pairs_or_with_a_missing_source_fails_before_any_unit(tmp_path, model_dir):  # noqa: F811
    """The condition is fit on the vector's own tasks, so it needs the pairs, and a source that does not load would
    otherwise fail after the baseline ran."""
    refused(tmp_path, model_dir, "not a vector file", mode="conditioned", vector=str(tmp_path / "v.safetensors"))
    refused(tmp_path, model_dir, "missing.jsonl", (ValueError, FileNotFoundError), mode="conditioned",
            condition_pairs=f"jsonl:{tmp_path / 'missing.jsonl'}")
