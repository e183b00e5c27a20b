"""Guarantees the reports rest on, each tested where a one-line breakage would show:
security over judged samples only, the paired bootstrap really paired, `significant` both ways, and a
resumed sweep that neither redoes finished units nor reads samples of unfinished ones."""

from __future__ import annotations

import pytest

from secsteer.evaluation.metrics import paired_bootstrap_interval
from secsteer.experiments import runner
from secsteer.experiments.runner import run_sweep
from secsteer.experiments.spec import load_spec
from secsteer.experiments.store import RunStore
from secsteer.experiments.summarize import summarize_cell
from secsteer.report.compare import difference
from tests.experiments.test_sweep import model_dir, write_spec  # noqa: F401  (module-scoped fixture)


def sample(i: int, valid: bool, secure: bool | None, functional: bool | None = None) -> dict:
    return {"scenario": "s", "cwe": "CWE-89", "completion": f"code {i}", "valid": valid, "secure": secure,
            "functional": functional}


def test_security_counts_only_valid_judged_samples():
    samples = [sample(0, True, True), sample(1, True, False), sample(2, True, None),   # analyzer crashed
               sample(3, False, None), sample(4, False, None)]                          # invalid
    cell = summarize_cell(samples)
    assert (cell["security"]["k"], cell["security"]["n"]) == (1, 2)
    assert cell["security"]["value"] == 0.5
    assert (cell["validity"]["k"], cell["validity"]["n"]) == (3, 5)
    assert (cell["secure_valid"]["k"], cell["secure_valid"]["n"]) == (1, 5)
    assert cell["per_scenario"]["s"]["judged"] == 2


def test_the_bootstrap_keeps_each_scenarios_two_conditions_together():
    # every scenario gains exactly 1 of 10: paired, every resample's difference is +0.1;
    # resampling the conditions apart would spread it over the scenarios' very different rates
    a = {f"s{i}": (i, 10) for i in range(10)}
    b = {f"s{i}": (i + 1, 10) for i in range(10)}
    diff, lo, hi = paired_bootstrap_interval(a, b, n_boot=500, seed=0)
    assert diff == pytest.approx(0.1) and lo == pytest.approx(0.1) and hi == pytest.approx(0.1)


def cell_of(per_scenario_secure: list[int], n: int = 10) -> dict:
    return {"per_scenario": {f"s{i}": {"secure": k, "judged": n} for i, k in enumerate(per_scenario_secure)}}


def test_significant_in_both_directions_and_not_when_the_interval_holds_zero():
    baseline = cell_of([5, 6, 4, 5, 6, 5, 4, 6])
    worse = difference(cell_of([0, 1, 0, 1, 0, 0, 1, 0]), baseline, "security")
    better = difference(cell_of([10, 9, 10, 9, 10, 10, 9, 10]), baseline, "security")
    same = difference(cell_of([6, 5, 4, 6, 5, 4, 5, 6]), baseline, "security")
    assert worse["hi"] < 0 and worse["significant"] is True
    assert better["lo"] > 0 and better["significant"] is True
    assert same["lo"] <= 0 <= same["hi"] and same["significant"] is False


SMALL = dict(n_pairs=["all"], controls=[], layer_sets=[[1]], scales=[0.5], scenario_cwes=["CWE-89"], samples=2,
             batch_size=2)


def test_resume_runs_only_unfinished_units_and_ignores_their_stray_samples(tmp_path, model_dir, monkeypatch):  # noqa: F811
    spec = load_spec(write_spec(tmp_path / "s.toml", model_dir, **SMALL))
    out = tmp_path / "run"
    full = run_sweep(spec, out, show_progress=False)
    reference = {(s["unit"], s["row"]): s["completion"] for s in full.samples()}
    units = sorted({u for u, _ in reference})
    assert len(units) >= 2
    # a kill between a unit's two writes: its samples are on disk, its "done" line is not
    store = RunStore(out)
    lost = units[-1]
    kept_lines = [line for line in store.units_path.read_text().splitlines() if f'"{lost}"' not in line]
    store.units_path.write_text("".join(line + "\n" for line in kept_lines))
    store.cells_path.write_text("")
    stray = [{"row": 0, "cell": "x", "completion": "STRAY"}]
    from secsteer.experiments.store import _append
    _append(store.samples_path, [{**s, "unit": lost} for s in stray])
    assert lost not in store.done_units() and all(s["unit"] != lost for s in store.samples())

    ran: list[str] = []
    real = runner.run_unit
    monkeypatch.setattr(runner, "run_unit", lambda spec, unit, *a, **k: ran.append(unit.id) or real(spec, unit, *a, **k))
    resumed = run_sweep(spec, out, show_progress=False)
    assert ran == [lost]                                        # nothing finished is redone
    again = {(s["unit"], s["row"]): s["completion"] for s in resumed.samples()}
    assert again == reference and "STRAY" not in again.values()
    assert {c["cell"] for c in resumed.cells()} == {c["cell"] for c in full.cells()}
