"""Static analyzers behind one batched interface, and the registry that picks them per language."""

from __future__ import annotations

import logging
from collections.abc import Callable

from secsteer.evaluation.analyzers.bandit import BanditAnalyzer
from secsteer.evaluation.analyzers.base import LANGUAGE_ALIASES, Analyzer, AnalyzerError, analyze
from secsteer.evaluation.analyzers.c_compiler import GccAnalyzer, GccWarningsAnalyzer
from secsteer.evaluation.analyzers.cppcheck import CppcheckAnalyzer
from secsteer.evaluation.analyzers.semgrep import SemgrepAnalyzer

__all__ = [
    "ANALYZERS",
    "Analyzer",
    "AnalyzerError",
    "BanditAnalyzer",
    "CppcheckAnalyzer",
    "GccAnalyzer",
    "GccWarningsAnalyzer",
    "SemgrepAnalyzer",
    "analyze",
    "available_analyzers",
    "default_analyzers",
]

log = logging.getLogger(__name__)
_warned: set[str] = set()

ANALYZERS: dict[str, Callable[[], Analyzer]] = {
    "bandit": BanditAnalyzer,
    "semgrep": SemgrepAnalyzer,
    "gcc-analyzer": GccAnalyzer,
    "gcc-warnings": GccWarningsAnalyzer,
    "cppcheck": CppcheckAnalyzer,
}


def _available(name: str, factory: Callable[[], Analyzer]) -> bool:
    """Optional tools (cppcheck) declare available(); one missing is left out with a warning, and judge
    coverage, measured with the analyzers that ran, then reports the CWEs it alone saw as not judged."""
    check = getattr(factory, "available", None)
    if check is None or check():
        return True
    if name not in _warned:
        _warned.add(name)
        log.warning("analyzer %s is unavailable (not installed); judging without it", name)
    return False


def available_analyzers(language: str) -> list[str]:
    """The names of the registered analyzers default_analyzers(language) would use."""
    try:
        return [a.name for a in default_analyzers(language)]
    except ValueError:
        return []


def default_analyzers(language: str) -> list[Analyzer]:
    """A fresh instance of every registered analyzer that handles `language`, in registry order."""
    lang = LANGUAGE_ALIASES.get(language.lower(), language.lower())
    chosen: list[Analyzer] = []
    for name, factory in ANALYZERS.items():
        declared = getattr(factory, "languages", None)  # classes declare it: skip building the others
        if declared is not None and lang not in declared:
            continue
        if not _available(name, factory):
            continue
        analyzer = factory()
        if lang in analyzer.languages:
            chosen.append(analyzer)
    if not chosen:
        raise ValueError(f"no analyzer handles language {language!r}; registered: {sorted(ANALYZERS)}.")
    return chosen
