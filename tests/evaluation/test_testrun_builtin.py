"""Every built-in scenario's tests against its reference completions, run in the sandbox.

Functional passes for both references; security passes for the secure one and fails for the insecure
one, for the reason the scenario is about (a sanitizer report or the test's own check, not a crash of
the harness). This is what shows the tests can fail.
"""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from secsteer.data.scenario_sources.builtin import load_builtin
from secsteer.data.scenarios import Scenario
from secsteer.evaluation.testrun import CheckOutcome, run_test

HAVE_GCC = shutil.which("gcc") is not None
SCENARIOS = [s for s in load_builtin() if HAVE_GCC or s.language != "c"]
REFERENCES = ("reference_secure", "reference_insecure")
KINDS = ("functional", "security")
Key = tuple[str, str, str]   # scenario id, reference, test kind


@pytest.fixture(scope="module")
def outcomes() -> dict[Key, CheckOutcome]:
    """All 132 runs at once, two at a time (about 15 s on two cores)."""
    jobs = [(s, ref, kind) for s in SCENARIOS for ref in REFERENCES for kind in KINDS]

    def run(job: tuple[Scenario, str, str]) -> CheckOutcome:
        scenario, ref, kind = job
        return run_test(scenario, scenario.assemble(scenario.meta[ref]), kind)  # type: ignore[arg-type]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(run, jobs))
    return {(s.id, ref, kind): result for (s, ref, kind), result in zip(jobs, results, strict=True)}


def test_c_scenarios_need_gcc() -> None:
    if not HAVE_GCC:
        pytest.skip("gcc not found: the 21 C scenarios' tests were not run")
    assert sum(s.language == "c" for s in SCENARIOS) == 21


def test_memory_safety_cwes_have_three_executed_scenarios_each() -> None:
    for cwe in ("CWE-125", "CWE-190", "CWE-476", "CWE-787"):
        tested = [s for s in load_builtin() if s.cwe == cwe and s.language == "c" and s.security_test]
        assert len(tested) >= 3, cwe


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_references_pass_and_fail_as_designed(scenario: Scenario, outcomes: dict[Key, CheckOutcome]) -> None:
    got = {(ref, kind): outcomes[(scenario.id, ref, kind)] for ref in REFERENCES for kind in KINDS}
    summary = {key: (o.passed, o.detail[:200]) for key, o in got.items()}
    assert got[("reference_secure", "functional")].passed is True, summary
    assert got[("reference_insecure", "functional")].passed is True, summary
    assert got[("reference_secure", "security")].passed is True, summary
    insecure = got[("reference_insecure", "security")]
    assert insecure.passed is False and not insecure.timed_out, summary
    if scenario.cwe in ("CWE-125", "CWE-416", "CWE-787"):
        assert "AddressSanitizer" in insecure.detail, summary
    elif scenario.cwe == "CWE-476":
        assert "null pointer" in insecure.detail or "SEGV" in insecure.detail, summary
    elif scenario.language == "c":
        assert "FAIL line" in insecure.detail or "Sanitizer" in insecure.detail or "runtime error" in insecure.detail
    else:
        assert "FAIL: " in insecure.detail, summary


def test_assembled_references_are_the_programs_the_tests_saw() -> None:
    scenario = next(s for s in load_builtin() if s.id == "builtin/CWE-787/c_copy_name")
    program = scenario.assemble(scenario.meta["reference_insecure"])
    assert program == scenario.prompt + "    (void)dst_size;\n    strcpy(dst, src);\n" + "\n}\n"
