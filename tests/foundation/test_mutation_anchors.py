"""tests/mutations.py breaks each key guarantee on purpose; a refactor that moves an anchor silently retires
its mutant until somebody runs the script, so the anchors are checked on every test run."""

from __future__ import annotations

from tests.mutations import MUTANTS, PKG, ROOT


def test_every_mutant_anchor_occurs_exactly_once() -> None:
    counts = {m.name: (ROOT / PKG / m.file).read_text(encoding="utf-8").count(m.old) for m in MUTANTS}
    assert len(counts) == len(MUTANTS) > 30
    assert {name: n for name, n in counts.items() if n != 1} == {}


def test_every_mutant_names_tests_that_exist() -> None:
    missing = [t for m in MUTANTS for t in m.tests if not (ROOT / t.split("::")[0]).is_file()]
    assert missing == []
