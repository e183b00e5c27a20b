"""Finding records and which findings count against a scenario's CWE."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from secsteer.evaluation import selection
from secsteer.evaluation.analyzers import ANALYZERS, default_analyzers
from secsteer.evaluation.findings import Finding, to_cwe
from secsteer.evaluation.selection import RELATIONS, related_cwes, select_findings


def finding(cwe: str | None, rule: str = "r") -> Finding:
    return Finding(tool="t", rule=rule, cwe=cwe, severity="high", line=1, message="m")


def test_to_cwe_reads_tool_spellings() -> None:
    assert to_cwe("CWE-89: Improper Neutralization") == "CWE-89"
    assert to_cwe(78) == "CWE-78"
    assert to_cwe("cwe-022") == "CWE-22"
    assert to_cwe(0) is None and to_cwe(None) is None and to_cwe("") is None


def test_finding_rejects_unknown_severity_and_raw_cwe() -> None:
    with pytest.raises(ValueError, match="severity"):
        Finding("t", "r", None, "critical", None, "m")
    with pytest.raises(ValueError, match="canonical"):
        Finding("t", "r", "cwe-089", "high", None, "m")


def test_related_cwes_follow_the_mitre_tree() -> None:
    assert related_cwes("CWE-78") == {"CWE-78", "CWE-77"}
    # 787's ancestor (119) and descendants (120, 121, 122, 124); its sibling 125 (a read) does not count
    assert related_cwes("cwe-787") == {"CWE-787", "CWE-119", "CWE-120", "CWE-121", "CWE-122", "CWE-124"}
    assert related_cwes("CWE-125") == {"CWE-125", "CWE-119", "CWE-126", "CWE-127"}
    assert related_cwes("CWE-22") == {"CWE-22", "CWE-23", "CWE-36"}
    assert related_cwes("CWE-79") == {"CWE-79", "CWE-80"}
    assert related_cwes("CWE-89") == {"CWE-89"}


def test_double_free_counts_against_use_after_free() -> None:
    # gcc -fanalyzer reports a double free (CWE-415) on use-after-free scenarios; MITRE: 415 PeerOf 416
    double_free = finding("CWE-415", "analyzer-double-free")
    assert select_findings([double_free], "CWE-416") == [double_free]
    assert select_findings([finding("CWE-416")], "CWE-415") != []
    assert "CWE-415" not in related_cwes("CWE-476")


def test_every_relation_names_a_mitre_relation() -> None:
    kinds = {"ChildOf", "PeerOf", "CanPrecede", "StartsWith"}
    assert all(kind in kinds for _, _, kind in RELATIONS)
    assert len({(a, b) for a, b, _ in RELATIONS}) == len(RELATIONS)
    text = (Path(selection.__file__)).read_text()
    for a, b, _ in RELATIONS:   # each edge has a comment saying why it is there
        line = next(x for x in text.splitlines() if x.strip().startswith(f"({a}, {b}, "))
        assert "#" in line, f"relation {a}-{b} has no comment"


def test_select_findings_by_scenario_cwe() -> None:
    found = [finding("CWE-77", "a"), finding("CWE-89", "b"), finding(None, "c"), finding("CWE-120", "d")]
    assert [f.rule for f in select_findings(found, "CWE-78")] == ["a"]
    assert [f.rule for f in select_findings(found, "cwe-089")] == ["b"]
    assert [f.rule for f in select_findings(found, "CWE-787")] == ["d"]
    assert select_findings(found, "CWE-416") == []
    assert select_findings(found, "CWE-416", any_cwe=True) == found
    assert select_findings(found, None) == found


def test_registry_picks_analyzers_by_language() -> None:
    assert set(ANALYZERS) == {"bandit", "semgrep", "gcc-analyzer", "gcc-warnings", "cppcheck"}
    assert [a.name for a in default_analyzers("python")] == ["bandit", "semgrep"]
    cppcheck = ["cppcheck"] if shutil.which("cppcheck") else []   # optional: left out where not installed
    assert [a.name for a in default_analyzers("c")] == ["semgrep", "gcc-analyzer", "gcc-warnings", *cppcheck]
    with pytest.raises(ValueError, match="no analyzer"):
        default_analyzers("cobol")
