"""Coverage of executed security tests: a test that cannot fail, or that fails secure code, is reported."""

from __future__ import annotations

import dataclasses
import json

from secsteer.cli.main import main
from secsteer.data.scenarios import load_scenarios
from secsteer.evaluation.tested_coverage import (
    ReferenceCheck,
    check_references,
    checks_table,
    entries_of,
    with_reference_pair,
)

PY = "builtin/CWE-89/get_user"


def builtin(scenario_id: str = PY):
    return next(s for s in load_scenarios("builtin") if s.id == scenario_id)


def with_references(scenario, insecure: str, secure: str):
    return dataclasses.replace(scenario, meta={**scenario.meta, "reference_insecure": insecure,
                                               "reference_secure": secure})


def test_a_real_test_separates_its_references_and_a_blind_one_is_named() -> None:
    good = builtin()
    ref_secure = good.meta["reference_secure"]
    blind = with_references(dataclasses.replace(good, id="blind"), ref_secure, ref_secure)   # cannot fail
    alarm = with_references(dataclasses.replace(good, id="alarm"), good.meta["reference_insecure"],
                            good.meta["reference_insecure"])                                   # fails secure code
    checks = {c.scenario: c for c in check_references([good, blind, alarm])}
    assert checks[PY].separates and checks[PY].insecure_passed is False and checks[PY].secure_passed is True
    assert not checks["blind"].separates and checks["blind"].insecure_passed is True
    assert not checks["alarm"].separates and checks["alarm"].secure_passed is False
    table = checks_table(list(checks.values()))
    assert "1 of 3 scenarios' security tests" in table
    assert "- blind (CWE-89): insecure reference passes" in table
    assert "- alarm (CWE-89): insecure reference fails, secure reference fails" in table
    assert "NOT JUDGED: 2 of 3 tests do not separate" in table


def test_a_test_error_is_a_miss_and_rates_use_the_coverage_thresholds() -> None:
    checks = [ReferenceCheck(f"s{i}", "CWE-79", "python", False, True) for i in range(9)]
    checks.append(ReferenceCheck("err", "CWE-79", "python", None, True, "test did not build"))
    entry = entries_of(checks)[("CWE-79", "python")]
    assert (entry.bad, entry.caught, entry.bad_unjudged, entry.missed) == (10, 9, 1, ["err"])
    assert entry.status == "judged"                                   # 90% recall, no false alarm
    checks.append(ReferenceCheck("err2", "CWE-79", "python", None, True))
    assert entries_of(checks)[("CWE-79", "python")].status == "weak"   # 9 of 11


def test_testable_needs_a_security_test_and_both_references_and_caps_per_cwe() -> None:
    scenarios = load_scenarios("builtin")
    no_ref = with_references(scenarios[0], "", scenarios[0].meta["reference_secure"])
    chosen = with_reference_pair([*scenarios, dataclasses.replace(no_ref, id="zz-no-ref")], cap=2)
    assert "zz-no-ref" not in {s.id for s in chosen}
    per_key = {}
    for s in chosen:
        per_key[(s.cwe, s.language)] = per_key.get((s.cwe, s.language), 0) + 1
    assert set(per_key.values()) == {2}


def test_cli_needs_permission_to_run_reference_code(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("SECSTEER_CACHE", str(tmp_path / "cache"))
    assert main(["coverage", "--scenarios", "builtin", "--tests", "--analyzers", "bandit"]) != 0
    assert "--allow-code-execution" in capsys.readouterr().err
    out = tmp_path / "cov.json"
    assert main(["coverage", "--scenarios", "builtin", "--tests", "--allow-code-execution", "--max-per-cwe", "1",
                 "--analyzers", "bandit", "--json", str(out)]) == 0
    tests = json.loads(out.read_text())["tests"]
    assert len(tests) == len({(s.cwe, s.language) for s in load_scenarios("builtin")})
    assert all(t["separates"] for t in tests if t["language"] == "python")
