"""The cell table: secure-and-functional columns appear exactly when some scenario has tests."""

from __future__ import annotations

from secsteer.experiments.summarize import summarize_cell
from secsteer.report.compare import with_differences
from secsteer.report.tables import HEADER, cell_table

DESCRIBE = {
    "b": {"cell": "b", "condition": "baseline", "vector": None, "layers": [], "scale": 0.0,
          "scale_unit": "layer_norm"},
    "v": {"cell": "v", "condition": "vector", "vector": "mean_diff/n=all/draw=0", "layers": [1], "scale": 0.5,
          "scale_unit": "layer_norm"},
}


def _sample(cell: str, scenario: str, completion: str, secure: bool, functional: bool | None) -> dict:
    return {"cell": cell, "scenario": scenario, "cwe": "CWE-79", "completion": completion, "valid": True,
            "secure": secure, "functional": functional, "security_test": secure if functional is not None else None}


def _cells(samples: list[dict]) -> list[dict]:
    by_cell: dict[str, list[dict]] = {}
    for s in samples:
        by_cell.setdefault(s["cell"], []).append(s)
    cells = [{**DESCRIBE[c], **summarize_cell(rows)} for c, rows in by_cell.items()]
    return with_differences(cells, next(c for c in cells if c["condition"] == "baseline"))


def _rows(table: str) -> list[list[str]]:
    return [[x.strip() for x in line.strip("|").split("|")] for line in table.splitlines()]


def test_tested_scenarios_add_secure_and_functional_with_its_difference():
    # baseline: 1 of 2 functional, neither secure. vector: both secure, one of them broken (not functional),
    # so security rises 0 -> 100 while secure-and-functional rises only 0 -> 50
    samples = [_sample("b", "s/1", "a", False, True), _sample("b", "s/1", "b", False, False),
               _sample("v", "s/1", "c", True, True), _sample("v", "s/1", "d", True, False)]
    header, _, base, vec = _rows(cell_table(_cells(samples)))
    assert header[8] == "secure & functional" and header[-2] == "Δ secure & functional"
    col = dict(zip(header, vec, strict=True))
    assert col["security"].startswith("100%") and col["secure & functional"].startswith("50%")
    assert col["Δ security"].startswith("+100") and col["Δ secure & functional"].startswith("+50")
    assert dict(zip(header, base, strict=True))["secure & functional"].startswith("0%")


def test_static_only_runs_keep_the_plain_header():
    samples = [_sample("b", "s/1", "a", False, None), _sample("v", "s/1", "c", True, None)]
    header, _, base, vec = _rows(cell_table(_cells(samples)))
    assert header == HEADER and len(vec) == len(HEADER)
