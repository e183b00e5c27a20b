"""Generate now, judge later (--generate-only): the store a later judging run writes equals a direct run's,
line for line, and judging loads no model."""

from __future__ import annotations

import json
from argparse import Namespace

import pytest

from secsteer.experiments.executors import work
from secsteer.experiments.plan import plan_units
from secsteer.experiments.runner import run_sweep, select_scenarios
from secsteer.experiments.store import RunStore
from tests.experiments.store_content import content
from tests.experiments.test_overlap import spec  # noqa: F401 - the tiny-model spec fixture


def test_generated_then_judged_equals_a_direct_run(tmp_path, spec, monkeypatch):  # noqa: F811
    run_sweep(spec, tmp_path / "direct", show_progress=False, executor="sequential")
    out = tmp_path / "split"
    store = run_sweep(spec, out, show_progress=False, executor="generate-only")
    units = plan_units(spec, select_scenarios(spec))
    assert set(store.generated()) == {u.id for u in units}
    assert store.samples() == [] and store.cells() == []            # nothing judged yet

    def no_model(*_a, **_k):
        raise AssertionError("judging stored completions loaded the model")

    monkeypatch.setattr(work, "load", no_model)
    import secsteer.experiments.executors.local as local

    monkeypatch.setattr(local, "load", no_model)
    run_sweep(spec, out, show_progress=False, executor="sequential")
    assert content(out) == content(tmp_path / "direct")


def test_a_killed_generate_only_run_resumes_and_generates_each_unit_once(tmp_path, spec, monkeypatch):  # noqa: F811
    out = tmp_path / "run"
    run_sweep(spec, out, show_progress=False, executor="generate-only")
    lines = (out / "generated.jsonl").read_text().splitlines(keepends=True)
    (out / "generated.jsonl").write_text("".join(lines[:3]) + lines[3][:40])      # killed mid-write
    calls = []
    real = work.generate_unit
    import secsteer.experiments.executors.generate_only as generate_only

    monkeypatch.setattr(generate_only, "generate_unit", lambda spec, unit, *a: calls.append(unit.id) or real(spec, unit, *a))
    store = run_sweep(spec, out, show_progress=False, executor="generate-only")
    assert len(calls) == len(lines) - 3
    assert len((out / "generated.jsonl").read_text().splitlines()) == len(lines) == len(store.generated())
    # --restart discards generated completions with the rest of the results
    run_sweep(spec, out, restart=True, show_progress=False, executor="sequential")
    assert not (out / "generated.jsonl").exists() and RunStore(out).cells()


def test_stored_completions_must_match_the_unit(tmp_path, spec):  # noqa: F811
    out = tmp_path / "run"
    run_sweep(spec, out, show_progress=False, executor="generate-only")
    first = json.loads((out / "generated.jsonl").read_text().splitlines()[0])
    first["completions"] = first["completions"][:-1]
    rest = (out / "generated.jsonl").read_text().splitlines(keepends=True)[1:]
    (out / "generated.jsonl").write_text(json.dumps(first) + "\n" + "".join(rest))
    with pytest.raises(ValueError, match="completions for .* rows"):
        run_sweep(spec, out, show_progress=False, executor="sequential")


def test_generate_only_flag():
    from secsteer.cli.sweep import executor_from_args

    flags = dict(executor="local", no_overlap=False, address=None, workers=None, threads=None, generate_only=True)
    assert executor_from_args(Namespace(**flags)).name == "generate-only"
    with pytest.raises(ValueError, match="--generate-only runs here"):
        executor_from_args(Namespace(**{**flags, "executor": "ray"}))
