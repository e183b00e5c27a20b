"""The local overlapped executor (judging in a process pool while the next unit generates) changes nothing
in the store: the same lines, in the same order, as judging each unit in turn. By default the hardware decides
which of the two runs (choose_overlap), and run.json records the choice."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from secsteer.experiments.executors import get_executor, local
from secsteer.experiments.executors.judging import JudgeJob, judge
from secsteer.experiments.executors.local import LocalExecutor, choose_overlap, generation_device, judge_pool
from secsteer.experiments.plan import plan_units
from secsteer.experiments.runner import run_sweep, select_scenarios
from secsteer.experiments.spec import spec_from_dict
from secsteer.experiments.store import RunStore
from tests.conftest import tiny_model, tiny_tokenizer
from tests.experiments.store_content import content, unit_lines

SPEC = dict(
    name="overlap", pairs=["builtin"], pair_cwes=["CWE-89", "CWE-78"], layer_sets=[[1]], scales=[0.5, 2.0],
    controls=["negated"], scenarios=["builtin"], scenario_cwes=["CWE-89", "CWE-78"], scenario_limit=1, samples=2,
    temperature=0.8, max_new_tokens=8, batch_size=3, prompt_mode="completion", analyzers=["bandit"],
)   # no tests run: a sandbox wall-clock limit hit on a loaded machine would differ between two runs


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("tiny-qwen")
    tok = tiny_tokenizer()
    tiny_model("qwen2", tok, layers=3).save_pretrained(path)
    tok.save_pretrained(path)
    return spec_from_dict({**SPEC, "model": str(path)})


def test_overlapped_store_equals_sequential_line_for_line(tmp_path, spec):
    run_sweep(spec, tmp_path / "seq", show_progress=False, executor="sequential")
    run_sweep(spec, tmp_path / "over", show_progress=False, executor=LocalExecutor(overlap=True, judge_workers=2))
    seq, over = tmp_path / "seq", tmp_path / "over"
    assert (over / "samples.jsonl").read_text() == (seq / "samples.jsonl").read_text()   # same order too
    assert unit_lines(over) == unit_lines(seq)
    assert content(over) == content(seq)
    assert len(unit_lines(over)) == len(plan_units(spec, select_scenarios(spec))) == 8
    pool = judge_pool(2)                          # the pool the run judged in, still up for the next sweep
    assert pool._processes and all(p.pid for p in pool._processes.values())


def test_the_kept_judge_pool_follows_a_changed_secsteer_environment(tmp_path, monkeypatch):
    # spawned workers keep the environment they started with: a pool from an earlier sweep must not judge
    # with an old SECSTEER_CACHE (another sandbox environment: "the test needs pytest")
    import os

    monkeypatch.setenv("SECSTEER_CACHE", str(tmp_path / "a"))
    first = judge_pool(1)
    assert first.submit(os.getenv, "SECSTEER_CACHE").result() == str(tmp_path / "a")
    assert judge_pool(1) is first                  # unchanged: the same pool
    monkeypatch.setenv("SECSTEER_CACHE", str(tmp_path / "b"))
    assert judge_pool(1).submit(os.getenv, "SECSTEER_CACHE").result() == str(tmp_path / "b")


def test_overlapped_run_resumes_a_sequential_one(tmp_path, spec):
    out = tmp_path / "run"
    run_sweep(spec, out, show_progress=False, executor="sequential")
    reference, samples = content(out), RunStore(out).samples()
    lines = (out / "units.jsonl").read_text().splitlines(keepends=True)
    kept = {json.loads(line)["unit"] for line in lines[:4]}              # as if killed after four units
    (out / "units.jsonl").write_text("".join(lines[:4]))
    samples_text = (out / "samples.jsonl").read_text().splitlines(keepends=True)
    (out / "samples.jsonl").write_text("".join(x for x in samples_text if json.loads(x)["unit"] in kept))
    (out / "cells.jsonl").unlink()
    run_sweep(spec, out, show_progress=False, executor="overlap")
    assert content(out) == reference
    assert RunStore(out).samples() == samples


def test_the_pool_judges_with_analyzers_and_sandboxed_tests():
    from secsteer.data.scenario_sources.builtin import load_builtin

    scenario = next(s for s in load_builtin() if s.language == "python" and s.security_test and s.cwe == "CWE-89")
    refs = (scenario.meta["reference_secure"], scenario.meta["reference_insecure"])
    job = JudgeJob(unit="u", scenarios=(scenario, scenario), completions=refs, cells=("c", "c"), samples=(0, 1),
                   scales=(0.0, 0.0), steered=(), analyzers=(), run_tests=True, any_cwe=False)
    secure, insecure = judge_pool(1).submit(judge, job).result()
    assert (secure["valid"], secure["functional"], secure["security_test"], secure["secure"]) == (True, True, True, True)
    assert insecure["functional"] is True and insecure["secure"] is False, insecure["detail"]


def test_judging_imports_no_torch():
    code = "import sys, secsteer.experiments.executors.judging; assert 'torch' not in sys.modules"
    src = str(Path(__file__).resolve().parents[2] / "src")
    subprocess.run([sys.executable, "-c", code], check=True, env={"PYTHONPATH": src})


def test_executor_names():
    assert get_executor().overlap is None                          # the hardware decides
    assert not get_executor("sequential").overlap and get_executor("overlap").overlap is True
    with pytest.raises(ValueError, match="unknown executor"):
        get_executor("threads")


def executor_for(*flags: str):
    from secsteer.cli.main import build_parser
    from secsteer.cli.sweep import executor_from_args

    return executor_from_args(build_parser().parse_args(["sweep", "s.toml", "--out", "r", *flags]))


def test_overlap_flags():
    assert executor_for().overlap is None
    assert executor_for("--overlap").overlap is True
    assert executor_for("--no-overlap").overlap is False
    with pytest.raises(SystemExit):
        executor_for("--overlap", "--no-overlap")                 # argparse: not allowed together
    with pytest.raises(ValueError, match="need --executor ray"):
        executor_for("--workers", "2")
    for flag in ("--overlap", "--no-overlap"):
        with pytest.raises(ValueError, match="for the local executor"):
            executor_for("--executor", "ray", flag)


@pytest.mark.parametrize("device, cpus, threads, workers, overlap", [
    ("cuda", 2, 2, 1, True),       # generation off the CPU: judging has the CPU to itself
    ("mps", 1, 1, 1, True),
    ("remote", 2, 2, 1, True),     # NDIF generates
    ("cpu", 2, 2, 1, False),       # the measured case: torch on both cores
    ("cpu", 4, 4, 1, False),
    ("cpu", 8, 4, 1, True),        # torch leaves 4 CPUs free
    ("cpu", 2, 1, 1, True),        # --threads 1 on 2 cores
    ("cpu", 3, 2, 2, False),       # one CPU left, two judging processes asked for
])
def test_choose_overlap(device, cpus, threads, workers, overlap):
    chosen, why = choose_overlap(device, cpus, threads, workers)
    assert chosen is overlap
    assert (device in why) if device != "cpu" else (f"{threads} of {cpus} CPUs" in why)


def test_generation_device(monkeypatch):
    import torch

    from secsteer.backends import base
    from secsteer.backends.nnsight_backend import NNsightBackend

    model = tiny_model("qwen2", tiny_tokenizer(), layers=1)
    assert generation_device(model) == "cpu"
    assert generation_device(model, NNsightBackend(remote=True)) == "remote"
    assert generation_device(object()) == "cpu"                   # an engine without torch parameters (llama.cpp)
    # before the model loads (it loads only once a unit needs generating): where --device will put it
    assert generation_device(None, None, "cpu") == "cpu" and generation_device(None, None, "cuda:1") == "cuda"
    assert generation_device(None, None, "mps") == "mps"
    assert generation_device(None, SimpleNamespace(name="llamacpp", remote=False), "auto") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert generation_device(None, None, "auto") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)       # a GPU machine
    assert generation_device(None, None, "auto") == "cuda"
    monkeypatch.setattr(base, "input_device", lambda m: torch.device("cuda", 1))
    assert generation_device(model) == "cuda"


def executions(run: Path) -> list[dict]:
    return json.loads((run / "run.json").read_text())["executions"]


def test_default_choice_is_made_logged_and_recorded(tmp_path, spec, monkeypatch, caplog):
    """On a 2-CPU machine with torch on both, the default judges in turn; with generation on a GPU it overlaps.
    Either way the samples are the same line for line, and run.json says what was chosen and why."""
    import logging

    import torch

    monkeypatch.setattr(local, "available_cpus", lambda: 2)
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)
    with caplog.at_level(logging.INFO, logger="secsteer.experiments.executors.local"):
        run_sweep(spec, tmp_path / "small", show_progress=False)
    assert "judging in turn" in caplog.text and "torch uses 2 of 2 CPUs" in caplog.text
    [small] = executions(tmp_path / "small")
    assert (small["executor"], small["overlap"], small["device"]) == ("local", False, "cpu")

    monkeypatch.setattr(local, "generation_device", lambda *args: "cuda")
    run_sweep(spec, tmp_path / "gpu", show_progress=False)
    [gpu] = executions(tmp_path / "gpu")
    assert (gpu["overlap"], gpu["device"]) == (True, "cuda") and "cuda" in gpu["reason"]
    assert (tmp_path / "gpu" / "samples.jsonl").read_text() == (tmp_path / "small" / "samples.jsonl").read_text()


def test_forced_choices_win_over_the_hardware_and_resumes_are_noted(tmp_path, spec, monkeypatch):
    monkeypatch.setattr(local, "generation_device", lambda *args: "cuda")
    out = tmp_path / "run"
    executor = LocalExecutor(overlap=False)
    run_sweep(spec, out, show_progress=False, executor=executor)
    assert executor.chosen is not None and executor.chosen["overlap"] is False
    lines = (out / "units.jsonl").read_text().splitlines(keepends=True)
    (out / "units.jsonl").write_text("".join(lines[:3]))             # as if killed after three units
    (out / "cells.jsonl").unlink()
    monkeypatch.setattr(local, "generation_device", lambda *args: "cpu")
    monkeypatch.setattr(local, "available_cpus", lambda: 1)
    run_sweep(spec, out, show_progress=False, executor="overlap")     # resumed, overlapped on 1 CPU: forced
    first, second = executions(out)
    assert (first["overlap"], first["reason"]) == (False, "--no-overlap")
    assert (second["overlap"], second["reason"]) == (True, "--overlap")
    assert len(unit_lines(out)) == 8
