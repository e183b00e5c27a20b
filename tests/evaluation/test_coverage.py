"""Judge coverage: references, recall/false-alarm counting, thresholds, the cache, and "missing" = not judged."""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Sequence

import pytest

from secsteer.evaluation import coverage as cov
from secsteer.evaluation.coverage import (
    MIN_REFERENCES,
    Coverage,
    Entry,
    Reference,
    coverage_for,
    coverage_lines,
    covered_sample,
    handwritten_references,
    measure,
    status_of,
)
from secsteer.evaluation.findings import Finding


class Marker:
    """Flags any code containing BAD as `cwe`; raises on code containing CRASH."""

    name = "marker"
    languages = frozenset({"python"})

    def __init__(self, cwe: str = "CWE-89") -> None:
        self.cwe = cwe
        self.calls = 0

    def analyze_many(self, codes: Sequence[str], language: str) -> list[list[Finding]]:
        self.calls += 1
        if any("CRASH" in c for c in codes):
            from secsteer.evaluation.analyzers import AnalyzerError

            raise AnalyzerError("boom", next(i for i, c in enumerate(codes) if "CRASH" in c))
        return [[Finding("marker", "m", self.cwe, "high", 1, "bad")] if "BAD" in c else [] for c in codes]


def ref(i: int, insecure: bool, code: str, cwe: str = "CWE-89", language: str = "python") -> Reference:
    return Reference(f"r{i}/{insecure}", cwe, language, code, insecure, "test")


def test_recall_and_false_alarms_are_counted_per_cwe() -> None:
    refs = [ref(i, True, "x = 'BAD'\n") for i in range(9)] + [ref(9, True, "x = 1\n")]
    refs += [ref(10 + i, False, "x = 2\n") for i in range(9)] + [ref(19, False, "x = 'BAD'\n")]
    refs.append(ref(20, True, "def broken(:\n"))               # not a program: left out, counted invalid
    entry = measure(refs, [Marker()])[("CWE-89", "python")]
    assert (entry.bad, entry.caught, entry.good, entry.alarms, entry.invalid) == (10, 9, 10, 1, 1)
    assert entry.recall()["value"] == 0.9 and entry.false_alarm()["value"] == 0.1
    assert entry.recall()["lo"] < 0.9 < entry.recall()["hi"]      # Wilson interval around it
    assert entry.status == "noisy" and entry.missed == ["r9/True"] and entry.false_alarms == ["r19/False"]


def test_an_analyzer_crash_is_a_miss_never_a_catch() -> None:
    refs = [ref(i, True, "x = 'BAD'\n") for i in range(10)] + [ref(10, True, "x = 'CRASH'\n")]
    refs += [ref(20 + i, False, "x = 2\n") for i in range(10)]
    entry = measure(refs, [Marker()])[("CWE-89", "python")]
    assert (entry.bad, entry.caught, entry.bad_unjudged) == (11, 10, 1)


def test_findings_of_an_unrelated_cwe_do_not_count() -> None:
    refs = [ref(i, True, "x = 'BAD'\n") for i in range(10)] + [ref(10 + i, False, "y = 1\n") for i in range(10)]
    entry = measure(refs, [Marker("CWE-79")])[("CWE-89", "python")]
    assert entry.caught == 0 and entry.status == "blind"


@pytest.mark.parametrize(("bad", "caught", "good", "alarms", "status"), [
    (10, 9, 20, 1, "judged"),          # the bar: recall >= 90%, false alarms <= 5%
    (10, 9, 10, 1, "noisy"),
    (10, 8, 10, 0, "weak"),            # 80-90% recall: seen, but not well enough to claim
    (10, 7, 10, 0, "blind"),
    (10, 10, 10, 3, "noisy"),
    (MIN_REFERENCES - 1, MIN_REFERENCES - 1, 10, 0, "too few references"),
    (10, 10, MIN_REFERENCES - 1, 0, "too few references"),
])
def test_status_thresholds(bad: int, caught: int, good: int, alarms: int, status: str) -> None:
    assert status_of(Entry("CWE-1", "c", bad=bad, caught=caught, good=good, alarms=alarms)) == status


def test_language_without_analyzer_is_not_judged() -> None:
    refs = [ref(i, i % 2 == 0, "x", language="go") for i in range(40)]
    entry = measure(refs, [Marker()])[("CWE-89", "go")]
    assert entry.status == "no analyzer" and entry.bad == 0


def test_a_missing_entry_reads_as_not_judged() -> None:
    coverage = Coverage({}, ("marker",), ("builtin",))
    assert not coverage.judged("CWE-787", "c")
    assert coverage.entry("cwe-787", "c").status == "no references"
    sample = {"cwe": "CWE-787", "language": "c", "security_test": None}
    assert not covered_sample(sample, coverage)
    assert covered_sample({**sample, "security_test": False}, coverage)   # a security test ran: judged by it
    lines = coverage_lines(coverage, [("CWE-787", "c")])
    assert len(lines) == 1 and "blind" in lines[0] and "C CWE-787 (no references)" in lines[0]


def test_coverage_round_trips_through_json() -> None:
    e = Entry("CWE-89", "python", bad=10, caught=9, good=10, alarms=0, status="judged", origins={"x": 20})
    back = Coverage.from_json(Coverage({e.key: e}, ("a",), ("builtin",)).to_json())
    assert back.entries[e.key] == e and back.judged("CWE-89", "python")


def test_coverage_is_cached_by_analyzers_and_references(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECSTEER_CACHE", str(tmp_path))
    refs = [ref(i, True, "x = 'BAD'\n") for i in range(10)] + [ref(10 + i, False, "y = 1\n") for i in range(10)]
    monkeypatch.setattr(cov, "builtin_references", lambda: list(refs))
    marker = Marker()
    monkeypatch.setattr(cov, "_analyzers", lambda names: [marker])
    first = coverage_for([("CWE-89", "python")], analyzer_names=["marker"])
    second = coverage_for([("CWE-89", "python")], analyzer_names=["marker"])
    assert marker.calls == 1 and first.to_json() == second.to_json() and second.judged("CWE-89", "python")
    refs.append(ref(99, True, "z = 3\n"))               # a new reference: measured again
    coverage_for([("CWE-89", "python")], analyzer_names=["marker"])
    assert marker.calls == 2
    assert len(list((tmp_path / "coverage").glob("*.json"))) == 2


def test_handwritten_references_are_balanced_and_unique() -> None:
    refs = handwritten_references()
    assert len({r.id for r in refs}) == len(refs)
    kinds = Counter((r.cwe, r.insecure) for r in refs)
    for (cwe, insecure), n in kinds.items():
        assert kinds[(cwe, not insecure)] == n, f"{cwe}: every insecure case has its secure fix"
    assert kinds[("CWE-125", True)] >= 10      # the only source of C CWE-125 references in the built-ins


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")
def test_handwritten_references_compile() -> None:
    from secsteer.evaluation.validity import valid_many

    refs = handwritten_references()
    bad = [(r.id, why) for r, (ok, why) in zip(refs, valid_many([r.code for r in refs], "c"), strict=True) if not ok]
    assert bad == []
