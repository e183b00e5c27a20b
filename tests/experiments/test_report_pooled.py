"""Pooling several seeds of one spec into one report: counts add up, mismatched runs are refused."""

from __future__ import annotations

import pytest

from secsteer.cli.main import main
from secsteer.experiments.store import RunStore
from secsteer.experiments.summarize import summarize_cell
from secsteer.report.load import load_runs
from secsteer.report.report import build_report

SPEC = {"name": "pool", "model": "tiny", "pairs": ["builtin"], "scenarios": ["builtin"], "samples": 2,
        "temperature": 0.4, "run_tests": False}
DESCRIBE = {
    "b": {"cell": "b", "condition": "baseline", "vector": None, "method": None, "n_pairs": None,
          "draw_seed": None, "layers": [], "scale": 0.0, "scale_unit": "layer_norm"},
    "v": {"cell": "v", "condition": "vector", "vector": "mean_diff/n=all/draw=0", "method": "mean_diff",
          "n_pairs": "all", "draw_seed": 0, "layers": [1], "scale": 0.5, "scale_unit": "layer_norm"},
}


def _sample(cell: str, scenario: str, completion: str, secure: bool, row: int) -> dict:
    return {"cell": cell, "scenario": scenario, "cwe": scenario.split("/")[0], "completion": completion,
            "valid": True, "secure": secure, "functional": None, "security_test": None, "row": row}


def _write_run(root, seed: int, rows: list[dict], **spec_changes) -> None:
    store = RunStore(root)
    store.open({**SPEC, "seed": seed, **spec_changes}, digest=f"d{seed}{sorted(spec_changes.items())}")
    by_cell: dict[str, list[dict]] = {}
    for s in rows:
        by_cell.setdefault(s["cell"], []).append(s)
    for cell, rows in by_cell.items():
        store.write_unit(f"u-{cell}", rows)
    store.write_cells([{**DESCRIBE[c], **summarize_cell(rows)} for c, rows in by_cell.items()])


# seed 0: baseline 1 of 2 secure on each scenario, vector 2 of 2; seed 1 repeats one baseline completion
SEED0 = [_sample("b", "CWE-89/a", "x", True, 0), _sample("b", "CWE-89/a", "y", False, 1),
         _sample("b", "CWE-79/c", "p", True, 2), _sample("b", "CWE-79/c", "q", False, 3),
         _sample("v", "CWE-89/a", "s", True, 0), _sample("v", "CWE-89/a", "t", True, 1),
         _sample("v", "CWE-79/c", "u", True, 2), _sample("v", "CWE-79/c", "w", True, 3)]
SEED1 = [_sample("b", "CWE-89/a", "x", True, 0), _sample("b", "CWE-89/a", "z", False, 1),
         _sample("b", "CWE-79/c", "r", False, 2), _sample("b", "CWE-79/c", "o", False, 3),
         _sample("v", "CWE-89/a", "s2", True, 0), _sample("v", "CWE-89/a", "t2", False, 1),
         _sample("v", "CWE-79/c", "u2", True, 2), _sample("v", "CWE-79/c", "w2", True, 3)]


@pytest.fixture
def two_seeds(tmp_path):
    _write_run(tmp_path / "s0", 0, SEED0)
    _write_run(tmp_path / "s1", 1, SEED1)
    return tmp_path / "s0", tmp_path / "s1"


def test_pooled_cells_sum_per_scenario_counts_and_dedupe_across_seeds(two_seeds):
    data = load_runs(two_seeds)
    cells = {c["cell"]: c for c in data.cells}
    base, vec = cells["b"], cells["v"]
    # the baseline's "x" appears in both seeds: counted once, so 7 unique of 8 samples
    assert (base["n_samples"], base["n_unique"]) == (8, 7)
    assert (base["security"]["k"], base["security"]["n"]) == (2, 7)
    assert base["per_scenario"]["CWE-89/a"]["secure"] == 1 and base["per_scenario"]["CWE-89/a"]["n"] == 3
    assert base["per_scenario"]["CWE-79/c"]["secure"] == 1 and base["per_scenario"]["CWE-79/c"]["n"] == 4
    assert (vec["security"]["k"], vec["security"]["n"]) == (7, 8)
    assert data.spec["seed"] == [0, 1] and data.spec["samples"] == 4
    assert data.baseline is base and len(data.samples) == 16


def test_pooled_report_says_so_and_a_single_run_is_unchanged(two_seeds, tmp_path):
    paths = build_report(two_seeds, tmp_path / "pooled")
    text = paths["markdown"].read_text()
    assert "4 samples per scenario (pooled over sampling seeds 0, 1" in text
    assert "pooled over" in paths["html"].read_text()
    # per-scenario table of the pooled data: baseline 1/3 and 1/4, vector 2/2 + 1/2 seeds -> 3/4
    row = next(line for line in text.splitlines() if line.startswith("| CWE-89/a"))
    assert row.strip("| ").split(" | ")[2:4] == ["1/3", "3/4"]
    single = build_report(two_seeds[0])["markdown"].read_text()
    assert "pooled" not in single and "2 samples per scenario" in single


def test_pooling_refuses_other_specs_repeated_seeds_and_a_missing_out(two_seeds, tmp_path):
    _write_run(tmp_path / "hot", 2, SEED1, temperature=0.8)
    with pytest.raises(ValueError, match="differ in temperature"):
        load_runs([two_seeds[0], tmp_path / "hot"])
    _write_run(tmp_path / "again", 0, SEED1)
    with pytest.raises(ValueError, match="repeat"):
        load_runs([two_seeds[0], tmp_path / "again"])
    with pytest.raises(ValueError, match="--out"):
        build_report(two_seeds)


def test_a_cell_unfinished_in_one_run_is_left_out(tmp_path):
    _write_run(tmp_path / "s0", 0, SEED0)
    _write_run(tmp_path / "s1", 1, [s for s in SEED1 if s["cell"] == "b"])
    data = load_runs([tmp_path / "s0", tmp_path / "s1"])
    assert [c["cell"] for c in data.cells] == ["b"]


def test_cli_pools_runs_into_out(two_seeds, tmp_path, capsys):
    assert main(["report", *map(str, two_seeds), "--out", str(tmp_path / "both")]) == 0
    assert (tmp_path / "both" / "report.md").exists() and "markdown" in capsys.readouterr().out


def test_runs_with_other_sample_counts_and_controls_pool_their_common_cells(tmp_path, monkeypatch):
    """Seeds 2-3 with 1 sample and a control, seed 4 with 2 samples and none: 3 samples per scenario of the cells
    both finished; the control, finished in one run only, is left out rather than pooled from part of the seeds."""
    one = [s for s in SEED1 if s["row"] in (0, 2)]
    monkeypatch.setitem(DESCRIBE, "r", {**DESCRIBE["v"], "cell": "r", "condition": "random"})
    control = [{**s, "cell": "r"} for s in one if s["cell"] == "v"]
    _write_run(tmp_path / "s2", 2, one + control, samples=1, controls=["random"])
    _write_run(tmp_path / "s4", 4, SEED0, samples=2, controls=[])
    data = load_runs([tmp_path / "s2", tmp_path / "s4"])
    assert sorted(c["cell"] for c in data.cells) == ["b", "v"] and data.spec["samples"] == 3
    assert {c["cell"]: c["n_samples"] for c in data.cells} == {"b": 6, "v": 6}
