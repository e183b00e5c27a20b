"""The analyzer contract: batched, and a failed run raises instead of looking like secure code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from secsteer.evaluation.findings import Finding

__all__ = ["Analyzer", "AnalyzerError", "analyze", "check_language"]

# Language names used across secsteer, and the spellings datasets use for them.
LANGUAGE_ALIASES = {"py": "python", "python3": "python", "h": "c"}


class AnalyzerError(RuntimeError):
    """The tool crashed, could not parse the code, or printed output we cannot read.

    `index` is the position in the batch of the input that caused it, when known. Code that the
    tool cannot parse is reported this way too: check validity first and analyze only valid code.
    """

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


@runtime_checkable
class Analyzer(Protocol):
    name: str
    languages: frozenset[str]

    def analyze_many(self, codes: Sequence[str], language: str) -> list[list[Finding]]:
        """Findings for each input, in input order; raises AnalyzerError when the tool run fails."""
        ...


def analyze(analyzer: Analyzer, code: str, language: str) -> list[Finding]:
    """Findings for one piece of code (a batch of one)."""
    return analyzer.analyze_many([code], language)[0]


def check_language(analyzer: Analyzer, language: str) -> str:
    """The canonical language name, or ValueError when the analyzer does not handle it."""
    lang = LANGUAGE_ALIASES.get(language.lower(), language.lower())
    if lang not in analyzer.languages:
        raise ValueError(
            f"analyzer {analyzer.name!r} handles {sorted(analyzer.languages)}, not {language!r}; "
            "use default_analyzers(language) to pick the analyzers for a language."
        )
    return lang
