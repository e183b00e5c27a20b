"""Static analyzers behind one batched interface, and the registry that picks them per language."""

from __future__ import annotations

from collections.abc import Callable

from secsteer.evaluation.analyzers.bandit import BanditAnalyzer
from secsteer.evaluation.analyzers.base import LANGUAGE_ALIASES, Analyzer, AnalyzerError, analyze
from secsteer.evaluation.analyzers.c_compiler import GccAnalyzer
from secsteer.evaluation.analyzers.semgrep import SemgrepAnalyzer

__all__ = [
    "ANALYZERS",
    "Analyzer",
    "AnalyzerError",
    "BanditAnalyzer",
    "GccAnalyzer",
    "SemgrepAnalyzer",
    "analyze",
    "default_analyzers",
]

ANALYZERS: dict[str, Callable[[], Analyzer]] = {
    "bandit": BanditAnalyzer,
    "semgrep": SemgrepAnalyzer,
    "gcc-analyzer": GccAnalyzer,
}


def default_analyzers(language: str) -> list[Analyzer]:
    """A fresh instance of every registered analyzer that handles `language`, in registry order."""
    lang = LANGUAGE_ALIASES.get(language.lower(), language.lower())
    chosen: list[Analyzer] = []
    for factory in ANALYZERS.values():
        declared = getattr(factory, "languages", None)  # classes declare it: skip building the others
        if declared is not None and lang not in declared:
            continue
        analyzer = factory()
        if lang in analyzer.languages:
            chosen.append(analyzer)
    if not chosen:
        raise ValueError(f"no analyzer handles language {language!r}; registered: {sorted(ANALYZERS)}.")
    return chosen
