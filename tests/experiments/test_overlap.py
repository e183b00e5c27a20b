"""The local overlapped executor (judging in a process pool while the next unit generates) changes nothing
in the store: the same lines, in the same order, as judging each unit in turn."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from secsteer.experiments.executors import get_executor
from secsteer.experiments.executors.judging import JudgeJob, judge
from secsteer.experiments.executors.local import LocalExecutor, judge_pool
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
    run_sweep(spec, out, show_progress=False)                     # default: local, overlapped
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
    assert get_executor().overlap and not get_executor("sequential").overlap
    with pytest.raises(ValueError, match="unknown executor"):
        get_executor("threads")
    from argparse import Namespace

    from secsteer.cli.sweep import executor_from_args

    flags = dict(executor="local", no_overlap=False, address=None, workers=None, threads=None)
    assert executor_from_args(Namespace(**flags)).overlap
    assert not executor_from_args(Namespace(**{**flags, "no_overlap": True})).overlap
    with pytest.raises(ValueError, match="need --executor ray"):
        executor_from_args(Namespace(**{**flags, "workers": 2}))
    with pytest.raises(ValueError, match="for the local executor"):
        executor_from_args(Namespace(**{**flags, "executor": "ray", "no_overlap": True}))
