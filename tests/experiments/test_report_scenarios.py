from __future__ import annotations

from secsteer.report.scenarios import columns, scenario_section


def _cell(cell: str, condition: str, scale: float = 0.5, layers: tuple[int, ...] = (2,)) -> dict:
    return {"cell": cell, "condition": condition, "scale": scale, "layers": list(layers), "scale_unit": "layer_norm"}


def _sample(cell: str, scenario: str, completion: str, secure: bool | None, valid: bool = True,
            security_test: bool | None = None) -> dict:
    return {"cell": cell, "scenario": scenario, "cwe": scenario.split("/")[0], "completion": completion,
            "secure": secure, "valid": valid, "security_test": security_test}


CELLS = [_cell("b", "baseline", 0.0, ()), _cell("v", "vector"), _cell("n", "negated"), _cell("r", "random"),
         _cell("v2", "vector", 1.0), _cell("r2", "random", 1.0)]


def test_columns_are_baseline_best_and_its_own_controls():
    assert [c["cell"] for c in columns(CELLS, CELLS[1])] == ["b", "v", "n", "r"]
    assert [c["cell"] for c in columns(CELLS, CELLS[4])] == ["b", "v2", "r2"]
    assert [c["cell"] for c in columns(CELLS, None)] == ["b"]


def test_counts_dedupe_completions_skip_invalid_and_flag_one_sided_scenarios():
    samples = [
        # CWE-89/a: baseline 2 identical secure + 1 insecure; an invalid one is not judged
        _sample("b", "CWE-89/a", "x", True), _sample("b", "CWE-89/a", "x", True),
        _sample("b", "CWE-89/a", "y", False), _sample("b", "CWE-89/a", "z", None, valid=False),
        _sample("v", "CWE-89/a", "x", True),
        # CWE-327/b: never insecure anywhere and no security test: static analysis alone
        _sample("b", "CWE-327/b", "p", True), _sample("v", "CWE-327/b", "q", True),
        # CWE-79/c: never secure; it has a security test
        _sample("b", "CWE-79/c", "s", False, security_test=False), _sample("n", "CWE-79/c", "t", False),
        # an unjudged sample (analyzer crash) counts nowhere
        _sample("r", "CWE-79/c", "u", None),
    ]
    table, notes = scenario_section(samples, CELLS, CELLS[1])
    rows = {line.split(" | ")[0].strip("| "): line.strip("| ").split(" | ") for line in table.splitlines()[2:]}
    assert rows["CWE-89/a"][2:] == ["1/2", "1/1", "-", "-"]
    assert rows["CWE-327/b"][2:] == ["1/1", "1/1", "-", "-"]
    assert rows["CWE-79/c"][2:] == ["0/1", "-", "0/1", "-"]
    text = "\n".join(notes)
    assert "Never judged insecure in any cell: 1 of 3 scenarios (CWE-327/b)" in text
    assert "1 of them have no security test" in text and "(CWE-327/b)" in text
    assert "Never judged secure in any cell: 1 of 3 scenarios (CWE-79/c)" in text
