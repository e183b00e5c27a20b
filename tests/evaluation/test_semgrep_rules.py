"""Every semgrep rule fires on its known-bad snippet and stays quiet on the idiomatic fix."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from secsteer.evaluation.analyzers import AnalyzerError, SemgrepAnalyzer
from secsteer.evaluation.analyzers import semgrep as semgrep_module
from secsteer.evaluation.analyzers.semgrep import RULES_DIR, rule_ids
from secsteer.evaluation.findings import Finding
from secsteer.evaluation.selection import related_cwes

from .snippets import C_RULES, CLEAN_C, CLEAN_PYTHON, PYTHON_RULES

TABLES = {"python": PYTHON_RULES, "c": C_RULES}
CLEAN = {"python": CLEAN_PYTHON, "c": CLEAN_C}
CLEAN_CASES = [(lang, i) for lang, table in CLEAN.items() for i in range(len(table))]
CASES = [(lang, i) for lang, table in TABLES.items() for i in range(len(table))]


@pytest.fixture(scope="module")
def analyzer() -> SemgrepAnalyzer:
    try:
        semgrep_module._semgrep_binary()
    except AnalyzerError:
        pytest.skip("semgrep is not installed (pip install semgrep)")
    return SemgrepAnalyzer()


@pytest.fixture(scope="module")
def results(analyzer: SemgrepAnalyzer) -> dict[str, list[list[Finding]]]:
    # One semgrep run per language: every bad and good snippet (bad at 2i, good at 2i + 1), then the clean ones.
    return {
        lang: analyzer.analyze_many(
            [code for _, bad, good in table for code in (bad, good)] + [code for _, code in CLEAN[lang]], lang
        )
        for lang, table in TABLES.items()
    }


def _rule_cwe(rule: str) -> str:
    for path in RULES_DIR.glob("*.yaml"):
        for entry in yaml.safe_load(path.read_text())["rules"]:
            if entry["id"] == rule:
                return str(entry["metadata"]["cwe"]).split(":")[0]
    raise AssertionError(f"rule {rule} not found")


@pytest.mark.parametrize(("lang", "index"), CASES, ids=[f"{lang}-{TABLES[lang][i][0]}-{i}" for lang, i in CASES])
def test_rule_fires_on_bad_and_not_on_good(results: dict[str, list[list[Finding]]], lang: str, index: int) -> None:
    rule = TABLES[lang][index][0]
    bad, good = results[lang][2 * index], results[lang][2 * index + 1]
    assert rule in [f.rule for f in bad], f"{rule} missed its known-bad snippet"
    family = related_cwes(_rule_cwe(rule))
    assert [f for f in good if f.cwe in family] == [], f"{rule}: the fixed snippet still has findings"


@pytest.mark.parametrize(("lang", "index"), CLEAN_CASES, ids=[CLEAN[lang][i][0] for lang, i in CLEAN_CASES])
def test_idiomatic_secure_code_is_not_flagged(results: dict[str, list[list[Finding]]], lang: str, index: int) -> None:
    findings = results[lang][2 * len(TABLES[lang]) + index]
    assert findings == [], f"{CLEAN[lang][index][0]}: {[f.rule for f in findings]}"


def test_every_rule_has_a_snippet_and_a_cwe() -> None:
    tested = {rule for table in TABLES.values() for rule, _, _ in table}
    defined = rule_ids("python") | rule_ids("c")
    assert defined == tested, f"rules without snippets: {sorted(defined - tested)}; unknown: {sorted(tested - defined)}"
    for rule in defined:
        assert _rule_cwe(rule).startswith("CWE-")


def test_finding_fields(results: dict[str, list[list[Finding]]]) -> None:
    finding = next(f for f in results["python"][0] if f.rule == "py-sqli-string-query")
    assert (finding.tool, finding.cwe, finding.severity, finding.line) == ("semgrep", "CWE-89", "high", 7)


def test_a_rule_semgrep_did_not_run_fails_the_batch(analyzer: SemgrepAnalyzer) -> None:
    # Every real run above passed this check; here semgrep's report lacks one rule of the files.
    expected = rule_ids("python")
    ran = sorted(expected - {"py-eval-nonconstant"})
    report = {"results": [], "errors": [], "paths": {"scanned": ["input_000000.py"]},
              "time": {"rules": [f"rules.{rule}" for rule in ran]}}
    with pytest.raises(AnalyzerError, match="py-eval-nonconstant"):
        analyzer._check_report(report, {"input_000000.py": 0}, expected)
    report["time"]["rules"].append("rules.py-eval-nonconstant")
    analyzer._check_report(report, {"input_000000.py": 0}, expected)
    # an input semgrep skipped (too large, unreadable) is an error, not "no findings"
    with pytest.raises(AnalyzerError, match="did not scan input 1") as caught:
        analyzer._check_report(report, {"input_000000.py": 0, "input_000001.py": 1}, expected)
    assert caught.value.index == 1


def test_invalid_rule_file_raises(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("rules:\n  - id: broken\n    languages: [python]\n    pattern: eval(\n"
                                          "    message: m\n    severity: ERROR\n")
    with pytest.raises(AnalyzerError):
        SemgrepAnalyzer(rules_dir=tmp_path).analyze_many(["eval(x)\n"], "python")


def test_unparseable_input_raises_with_its_index(analyzer: SemgrepAnalyzer) -> None:
    with pytest.raises(AnalyzerError) as caught:
        analyzer.analyze_many(["int main(void) { return 0; }\n", "int main( { char b[4]; strcpy(b, x) "], "c")
    assert caught.value.index == 1


def test_empty_batch_and_wrong_language(analyzer: SemgrepAnalyzer) -> None:
    assert analyzer.analyze_many([], "python") == []
    with pytest.raises(ValueError, match="handles"):
        analyzer.analyze_many(["x"], "ruby")
