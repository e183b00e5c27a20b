"""secsteer sweep --extend: a run grows by new cells (more controls, scales, ...) without redoing finished units,
and ends up exactly as a run of the grown spec from scratch would."""

from __future__ import annotations

import json

import pytest

from secsteer.experiments.runner import run_sweep
from secsteer.experiments.spec import load_spec
from secsteer.experiments.store import SpecMismatchError
from tests.experiments.test_sweep import clean, model_dir, write_spec  # noqa: F401  (module-scoped fixture)

GRID = dict(layer_sets=[[1]], scales=[1.0], n_pairs=["all"], samples=2, temperature=0.7, seed=3)


def spec(tmp_path, model_dir, name, **changes):  # noqa: F811
    return load_spec(write_spec(tmp_path / f"{name}.toml", model_dir, **{**GRID, **changes}))


def test_extending_adds_the_new_cells_and_matches_a_run_from_scratch(tmp_path, model_dir, monkeypatch):  # noqa: F811
    small = spec(tmp_path, model_dir, "small", controls=[])
    grown = spec(tmp_path, model_dir, "grown", controls=["negated", "random"], layer_sets=[[1], [2]])
    first = run_sweep(small, tmp_path / "run", show_progress=False)
    before = clean(first.samples())
    done = first.done_units()

    from secsteer.experiments.executors import local

    real = local.generate_unit
    ran = []
    monkeypatch.setattr(local, "generate_unit", lambda spec, unit, *a, **k: ran.append(unit.id) or real(spec, unit, *a, **k))
    extended = run_sweep(grown, tmp_path / "run", show_progress=False, extend=True)
    assert not set(ran) & done and ran                         # only the new cells' units ran
    assert [s for s in clean(extended.samples()) if s["unit"] in done] == before
    scratch = run_sweep(grown, tmp_path / "scratch", show_progress=False)
    strip = lambda rows: [{k: v for k, v in r.items() if k != "seconds"} for r in clean(rows)]  # noqa: E731
    assert strip(extended.samples()) == strip(scratch.samples())
    assert sorted(c["cell"] for c in extended.cells()) == sorted(c["cell"] for c in scratch.cells())
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert record["spec_digest"] == grown.digest() and record["extended_from"] == [small.digest()]


@pytest.mark.parametrize(("change", "key"), [({"samples": 3}, "samples"), ({"controls": []}, "controls"),
                                             ({"seed": 4}, "seed"), ({"scales": [1.0, 2.0]}, "scales")])
def test_only_growing_grid_lists_extend_a_run(tmp_path, model_dir, change, key):  # noqa: F811
    run_sweep(spec(tmp_path, model_dir, "a", controls=["negated"]), tmp_path / "run", show_progress=False)
    record = (tmp_path / "run" / "run.json").read_text()
    other = spec(tmp_path, model_dir, "b", **{"controls": ["negated"], **change})
    with pytest.raises(SpecMismatchError, match=f"differs in {key}"):
        run_sweep(other, tmp_path / "run", show_progress=False, extend=True)
    assert (tmp_path / "run" / "run.json").read_text() == record     # the refused run is left as it was
    with pytest.raises(SpecMismatchError, match="another spec"):     # and without --extend nothing changes
        run_sweep(spec(tmp_path, model_dir, "c", controls=["negated", "random"]), tmp_path / "run",
                  show_progress=False)


def test_a_finished_unit_the_grown_plan_lacks_refuses_the_extension(tmp_path, model_dir, monkeypatch):  # noqa: F811
    """Were scales a growing key, the grown plan would batch the rows anew and the finished units would belong to
    no cell: refused, not silently dropped."""
    from secsteer.experiments import spec as spec_module

    run_sweep(spec(tmp_path, model_dir, "a", controls=[]), tmp_path / "run", show_progress=False)
    monkeypatch.setattr(spec_module, "GRID_KEYS", (*spec_module.GRID_KEYS, "scales"))
    with pytest.raises(SpecMismatchError, match="finished units are not in this plan"):
        run_sweep(spec(tmp_path, model_dir, "b", controls=[], scales=[1.0, 2.0]), tmp_path / "run",
                  show_progress=False, extend=True)
