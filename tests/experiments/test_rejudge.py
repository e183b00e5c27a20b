"""secsteer rejudge: a run's stored completions judged again, into a new folder, without the model."""

from __future__ import annotations

import pytest

from secsteer.cli.main import main
from secsteer.evaluation import judge as judge_module
from secsteer.experiments.executors import work
from secsteer.experiments.rejudge import changed_verdicts, rejudge
from secsteer.experiments.runner import run_sweep
from secsteer.experiments.store import RunStore
from tests.experiments.store_content import content
from tests.experiments.test_overlap import spec  # noqa: F401 - the tiny-model spec fixture


def test_the_same_judge_gives_the_same_run_and_the_old_folder_is_untouched(tmp_path, spec, monkeypatch):  # noqa: F811
    run = tmp_path / "run"
    run_sweep(spec, run, show_progress=False, executor="sequential")
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}

    def no_model(*_a, **_k):
        raise AssertionError("rejudging loaded the model")

    monkeypatch.setattr(work, "load", no_model)
    rejudge(run, tmp_path / "again", show_progress=False)
    assert content(tmp_path / "again") == content(run)
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before
    changes = changed_verdicts(run, tmp_path / "again")
    assert changes and all(a == b for a, _, b in (k.partition(" -> ") for k in changes))
    with pytest.raises(FileExistsError, match="never over results"):
        rejudge(run, tmp_path / "again", show_progress=False)


def test_a_changed_judge_changes_the_verdicts_of_the_same_completions(tmp_path, spec, monkeypatch, capsys):  # noqa: F811
    run = tmp_path / "run"
    store = run_sweep(spec, run, show_progress=False, executor="sequential")
    real = judge_module.judge_many

    def stricter(pairs, **kwargs):       # a judge that now finds every valid program insecure
        from dataclasses import replace

        return [replace(v, secure=False) if v.valid else v for v in real(pairs, **kwargs)]

    monkeypatch.setattr(judge_module, "judge_many", stricter)
    assert main(["rejudge", str(run), "--out", str(tmp_path / "new"), "--no-report"]) == 0
    new = RunStore(tmp_path / "new")
    old_samples = {(s["unit"], s["row"]): s for s in store.samples()}
    assert len(new.samples()) == len(old_samples)
    for s in new.samples():
        assert s["completion"] == old_samples[(s["unit"], s["row"])]["completion"]
        assert s["secure"] is (False if s["valid"] else None)
    assert {c["cell"] for c in new.cells()} == {c["cell"] for c in store.cells()}
    assert new.run_record()["executions"][0]["rejudged_from"] == str(run)
    assert "cells judged again" in capsys.readouterr().out
