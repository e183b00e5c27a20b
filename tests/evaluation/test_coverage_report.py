"""Under the results tables: security on covered CWEs apart from the rest, and the blind CWEs named."""

from __future__ import annotations

import pytest

from secsteer.evaluation.coverage import Coverage, Entry
from secsteer.report import coverage as report_coverage
from secsteer.report.coverage import coverage_section, covered_security_table
from secsteer.report.tables import header

SEEN = Entry("CWE-89", "python", bad=10, caught=10, good=10, alarms=0, status="judged")
BLIND = Entry("CWE-787", "c", bad=10, caught=2, good=10, alarms=0, status="blind")
COVERAGE = Coverage({SEEN.key: SEEN, BLIND.key: BLIND}, ("x",), ("builtin",))
CELL = {"cell": "c0", "condition": "baseline", "vector": None, "layers": [], "scale": 0.0, "scale_unit": "layer_norm"}


def sample(i: int, cwe: str, language: str, secure: bool, security_test: bool | None = None) -> dict:
    return {"cell": "c0", "scenario": f"{cwe}/s", "completion": f"code {i}", "cwe": cwe, "language": language,
            "valid": True, "secure": secure, "functional": None, "security_test": security_test}


def test_covered_and_blind_security_are_reported_apart() -> None:
    samples = [sample(0, "CWE-89", "python", True), sample(1, "CWE-89", "python", False),
               *(sample(10 + i, "CWE-787", "c", True) for i in range(4))]
    table = covered_security_table([CELL], samples, COVERAGE)
    row = table.splitlines()[2]
    assert "| 50% [" in row and "| 2 |" in row            # covered: 1 of 2 secure
    assert "| 100% [" in row and row.rstrip(" |").endswith("4")   # blind: 4 of 4 "secure", shown apart


def test_a_ran_security_test_makes_a_blind_cwe_covered() -> None:
    samples = [sample(0, "CWE-787", "c", False, security_test=False), sample(1, "CWE-787", "c", True)]
    row = covered_security_table([CELL], samples, COVERAGE).splitlines()[2]
    assert "| 0% [" in row and "| 1 |" in row


def test_section_names_the_blind_cwes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_coverage, "sample_coverage", lambda *a, **k: COVERAGE)
    _, blind = coverage_section([CELL], [sample(0, "CWE-89", "python", True), sample(1, "CWE-787", "c", True)],
                                ["builtin"])
    assert "Judge is blind to" in blind and "C CWE-787 (blind, recall 20%" in blind
    assert "Judge sees" in blind and "Python CWE-89" in blind


def test_a_cwe_judged_by_its_tests_is_not_listed_as_blind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_coverage, "sample_coverage", lambda *a, **k: COVERAGE)
    _, lines = coverage_section([CELL], [sample(0, "CWE-787", "c", True, security_test=True)], ["builtin"])
    assert "Judge is blind to" not in lines
    assert "Judged by executed security tests only" in lines and "C CWE-787 (blind, recall 20%" in lines


def test_section_says_not_judged_when_coverage_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> Coverage:
        raise RuntimeError("semgrep missing")

    monkeypatch.setattr(report_coverage, "sample_coverage", fail)
    _, blind = coverage_section([CELL], [sample(0, "CWE-89", "python", True)], ["builtin"])
    assert "could not be measured" in blind and "not judged" in blind


def test_n_column_says_what_it_counts() -> None:
    assert header()[-1] == "n unique completions"


def test_a_security_test_that_cannot_fail_does_not_make_its_samples_covered(tmp_path, monkeypatch) -> None:
    """A real check in the sandbox: a copy of a built-in scenario whose 'insecure' reference is the secure
    one has a test that passes both; its samples move to the not-judged column and the test is named."""
    import shutil

    from secsteer.data.scenario_sources.builtin import BUILTIN_ROOT

    monkeypatch.setenv("SECSTEER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(report_coverage, "sample_coverage", lambda *a, **k: Coverage({}, ("x",), ("builtin",)))
    root = tmp_path / "mine"
    for name in ("real", "blind"):
        shutil.copytree(BUILTIN_ROOT / "CWE-89" / "get_user", root / "CWE-89" / name)
    blind_dir = root / "CWE-89" / "blind"
    shutil.copy(blind_dir / "reference_secure.py", blind_dir / "reference_insecure.py")
    samples = [{**sample(0, "CWE-89", "python", True, security_test=True), "scenario": "dir/mine/CWE-89/real"},
               {**sample(1, "CWE-89", "python", True, security_test=True), "scenario": "dir/mine/CWE-89/blind"}]
    table, lines = coverage_section([CELL], samples, [f"dir:{root}"])
    row = table.splitlines()[2]
    assert row.count("| 1 |") == 2                       # one covered sample, one not judged
    assert "do not tell their scenario's own references apart (1" in lines and "dir/mine/CWE-89/blind" in lines
    assert "dir/mine/CWE-89/real" not in lines


def test_a_functional_benchmark_is_said_to_measure_no_security(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> Coverage:
        raise AssertionError("no CWE: nothing to measure coverage of")

    monkeypatch.setattr(report_coverage, "sample_coverage", fail)
    table, lines = coverage_section([CELL], [sample(0, "", "python", True)], ["humaneval"])
    assert table == "" and "security is not measured" in lines and "could not be measured" not in lines


def test_a_functional_benchmark_reports_tests_passed_not_security() -> None:
    """HumanEval's completions are all "secure" (nothing to find): a security column there would read 100%."""
    from secsteer.report.scenarios import scenario_section
    from secsteer.report.tables import cell_table, summary_text

    rate = lambda v: {"value": v, "lo": v - 0.1, "hi": v + 0.1, "n": 2, "k": int(2 * v)}  # noqa: E731
    diff = {"diff": -0.5, "lo": -0.9, "hi": -0.1, "significant": True}
    cells = [{**CELL, "security": rate(1.0), "validity": rate(1.0), "secure_valid": rate(1.0),
              "functional": rate(1.0), "secure_functional": rate(1.0), "n_unique": 2, "delta": {}},
             {**CELL, "cell": "c1", "condition": "vector", "vector": "v", "layers": [3], "scale": 1.0,
              "security": rate(1.0), "validity": rate(1.0), "secure_valid": rate(1.0), "functional": rate(0.5),
              "secure_functional": rate(0.5), "n_unique": 2, "delta": {"functional": diff}}]
    table = cell_table(cells, security=False)
    assert "security" not in table.splitlines()[0] and "| functional | Δ functional |" in table
    assert "| 50% [40, 60] | -50 [-90, -10] * |" in table
    assert "security" in cell_table(cells).splitlines()[0]
    summary = summary_text(cells, cells[0], security=False)
    assert "functional (tests pass) 100%" in summary and "Δ -50 [-90, -10] (the 95% interval excludes zero)" in summary
    samples = [{"cell": c, "scenario": "humaneval/000", "completion": f"{c}{i}", "cwe": "", "valid": True,
                "secure": True, "functional": c == "c0" or i == 0} for c in ("c0", "c1") for i in range(2)]
    rows, notes = scenario_section(samples, cells, cells[1], security=False)
    assert "| humaneval/000 | - | 2/2 | 1/2 |" in rows and "security is not measured" in notes[0]
