"""Coverage of the executed security tests: does each scenario's security test fail on its insecure
reference and pass on its secure one?

Static coverage (`coverage.py`) asks whether the analyzers see a CWE. Where a scenario has a security test,
the test is the judge, and a test can be blind too (it probes the wrong input, or it errors on every
program). Each scenario that has a security test and both reference completions (the built-in scenarios'
`reference_*` files, SecCodePLT's vulnerable/patched code) is run twice in the sandbox:

    recall       insecure references whose security test failed / insecure references tested
    false alarm  secure references whose security test failed / secure references tested

A test that errors (could not build, a missing package, a harness error) on an insecure reference counts as
missed. Per (CWE, language) the same thresholds as static coverage decide "judged"; per scenario,
`separates` says whether that scenario's own test told its two references apart. Neither says how a test
fares on a model's own insecure variant, which may take a path the test does not probe.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from secsteer.data.scenarios import Scenario
from secsteer.evaluation.coverage import (
    Entry,
    _order,
    _pct,
    cache_root,
    hash_files,
    read_cache,
    status_of,
    write_cache,
)

__all__ = ["ReferenceCheck", "blind_tests", "check_references", "checks_table", "entries_of",
           "with_reference_pair"]

_HARNESS_FILES = ("testrun.py", "_test_runner.py", "sandbox.py", "_sandbox_host.py", "_sandbox_init.py",
                  "sandbox_env.py")


@dataclass(frozen=True)
class ReferenceCheck:
    scenario: str
    cwe: str
    language: str
    insecure_passed: bool | None     # the security test on the insecure reference (should be False)
    secure_passed: bool | None       # ... on the secure reference (should be True)
    detail: str = ""

    @property
    def separates(self) -> bool:
        return self.insecure_passed is False and self.secure_passed is True

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "separates": self.separates}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> ReferenceCheck:
        return cls(**{k: raw[k] for k in cls.__dataclass_fields__})


def with_reference_pair(scenarios: Iterable[Scenario], cap: int = 0) -> list[Scenario]:
    """Scenarios with a security test and both references, at most `cap` per (CWE, language) by id (0: all)."""
    per_key: dict[tuple[str, str], int] = {}
    chosen = []
    for s in sorted(scenarios, key=lambda s: s.id):
        if not (s.security_test and s.meta.get("reference_insecure") and s.meta.get("reference_secure")):
            continue
        per_key[(s.cwe, s.language)] = per_key.get((s.cwe, s.language), 0) + 1
        if not cap or per_key[(s.cwe, s.language)] <= cap:
            chosen.append(s)
    return chosen


def _check(scenario: Scenario) -> ReferenceCheck:
    from secsteer.evaluation.testrun import run_test

    outcomes = {kind: run_test(scenario, scenario.assemble(scenario.meta[f"reference_{kind}"]), "security")
                for kind in ("insecure", "secure")}
    detail = "; ".join(f"{kind}: {o.detail}" for kind, o in outcomes.items()
                       if o.passed is None or (o.passed is (kind == "insecure")))
    return ReferenceCheck(scenario.id, scenario.cwe, scenario.language,
                          outcomes["insecure"].passed, outcomes["secure"].passed, detail[:300])


def _harness_digest() -> str:
    h = hashlib.sha256()
    hash_files(h, Path(__file__).resolve().parent, _HARNESS_FILES)
    return h.hexdigest()


def _cache_path(scenario: Scenario, harness: str) -> Path:
    key = json.dumps([harness, scenario.id, scenario.security_test, list(scenario.requires), scenario.test_style,
                      scenario.assemble(scenario.meta["reference_insecure"]),
                      scenario.assemble(scenario.meta["reference_secure"])])
    return cache_root().parent / "reference-tests" / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"


def check_references(scenarios: Sequence[Scenario], workers: int = 2, show_progress: bool = False,
                     use_cache: bool = True) -> list[ReferenceCheck]:
    """Run every scenario's security test on its insecure and its secure reference (in the sandbox); a
    result is cached per scenario, keyed by the test, the references and the harness code."""
    harness = _harness_digest()
    paths = [_cache_path(s, harness) for s in scenarios]
    found: dict[int, ReferenceCheck] = {}
    for i, path in enumerate(paths):
        cached = read_cache(path) if use_cache else None
        if cached is not None and set(ReferenceCheck.__dataclass_fields__) <= set(cached):
            found[i] = ReferenceCheck.from_json(cached)
    todo = [i for i in range(len(scenarios)) if i not in found]
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        runs = pool.map(lambda i: _check(scenarios[i]), todo)
        for i, check in tqdm(zip(todo, runs, strict=True), total=len(todo), disable=not show_progress,
                             desc="security tests on references"):
            found[i] = check
            if check.insecure_passed is not None and check.secure_passed is not None:   # errors may be transient
                write_cache(paths[i], check.to_json())
    return [found[i] for i in range(len(scenarios))]


def blind_tests(scenario_specs: Sequence[str], scenario_ids: Iterable[str]) -> tuple[set[str], str]:
    """Of `scenario_ids` (scenarios whose security test ran on samples), those whose test does not tell its
    own references apart, and a note when they could not be checked (sources missing)."""
    from secsteer.data.scenarios import load_scenarios

    wanted = set(scenario_ids)
    if not wanted:
        return set(), ""
    try:
        scenarios = [s for spec in scenario_specs for s in load_scenarios(spec) if s.id in wanted]
    except (OSError, ValueError) as err:
        return set(), f"the security tests were not checked against their references ({err})"
    checks = check_references(with_reference_pair(scenarios))
    return {c.scenario for c in checks if not c.separates}, ""


def entries_of(checks: Iterable[ReferenceCheck]) -> dict[tuple[str, str], Entry]:
    """Recall and false alarms of the security tests per (CWE, language)."""
    entries: dict[tuple[str, str], Entry] = {}
    for c in checks:
        e = entries.setdefault((c.cwe, c.language), Entry(c.cwe, c.language))
        e.origins["scenarios"] = e.origins.get("scenarios", 0) + 1
        e.add(c.scenario, True, c.insecure_passed)     # a passing security test is a "secure" verdict
        e.add(c.scenario, False, c.secure_passed)
    for e in entries.values():
        e.status = status_of(e)
    return entries


def checks_table(checks: Sequence[ReferenceCheck]) -> str:
    """Markdown: per (CWE, language), the security tests' recall and false alarms and how many scenarios'
    tests separate their own references; then every scenario whose test does not."""
    entries = entries_of(checks)
    by_key: dict[tuple[str, str], list[ReferenceCheck]] = {}
    for c in checks:
        by_key.setdefault((c.cwe, c.language), []).append(c)
    rows = ["| language | CWE | recall | false alarms | test errors | scenarios whose test separates | status |",
            "|---|---|---|---|---|---|---|"]
    for key in sorted(entries, key=_order):
        e, group = entries[key], by_key[key]
        split = sum(c.separates for c in group)
        status = e.status if e.judged else f"NOT JUDGED: {e.status}"
        if e.status == "too few references":      # a handful of scenarios: the per-scenario check is what counts
            status = ("each test separates its own references" if split == len(group)
                      else f"NOT JUDGED: {len(group) - split} of {len(group)} tests do not separate")
        rows.append(f"| {key[1]} | {key[0]} | {_pct(e.recall())} | {_pct(e.false_alarm())} "
                    f"| {e.bad_unjudged + e.good_unjudged} | {split}/{len(group)} | {status} |")
    failing = [c for c in checks if not c.separates]
    rows.append(f"\n{sum(c.separates for c in checks)} of {len(checks)} scenarios' security tests fail their "
                "insecure reference and pass their secure one.")
    for c in failing:
        rows.append(f"- {c.scenario} ({c.cwe}): insecure reference {_word(c.insecure_passed)}, secure reference "
                    f"{_word(c.secure_passed)}{': ' + c.detail if c.detail else ''}")
    return "\n".join(rows)


def _word(passed: bool | None) -> str:
    return {True: "passes", False: "fails", None: "errors"}[passed]
