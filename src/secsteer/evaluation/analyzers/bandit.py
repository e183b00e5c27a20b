"""Bandit, in process: one manager reused for every input (~1 ms a file, against ~0.45 s for the CLI)."""

from __future__ import annotations

import io
import logging
import threading
import warnings
from collections.abc import Sequence
from typing import Any

from secsteer.evaluation.analyzers.base import AnalyzerError, check_language
from secsteer.evaluation.findings import SEVERITIES, Finding, to_cwe

__all__ = ["BanditAnalyzer"]

logger = logging.getLogger(__name__)

# Where bandit's own CWE misleads a per-scenario match, or it gives none. eval/exec are code injection,
# not OS command injection; an unsafe yaml.load is deserialization, not generic input validation;
# urlopen is flagged for its file:// scheme, which is not the path traversal the id suggests.
CWE_OVERRIDES: dict[str, str | None] = {
    "B102": "CWE-94",
    "B307": "CWE-95",
    "B506": "CWE-502",
    "B310": None,
    "B201": "CWE-215",
    "B701": "CWE-79",
    "B704": "CWE-79",
}

# A fixed name that maps to a module qualname, so bandit does not warn about every input.
_FILE_NAME = "/secsteer-generated/completion.py"


class BanditAnalyzer:
    """Bandit findings of at least `min_severity` ("medium" by default: LOW fires on safe code)."""

    name = "bandit"
    languages = frozenset({"python"})

    def __init__(self, min_severity: str = "medium") -> None:
        if min_severity not in SEVERITIES:
            raise ValueError(f"min_severity {min_severity!r} is not one of {SEVERITIES}.")
        self.min_severity = min_severity
        # stevedore logs an ERROR for bandit's optional SARIF report formatter (sarif_om absent); reports are
        # never used here, so that message is noise, and its deprecation notices too.
        stevedore_log = logging.getLogger("stevedore.extension")
        level = stevedore_log.level
        stevedore_log.setLevel(logging.CRITICAL)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                from bandit.core import config, manager  # deferred: loading the plugins takes ~0.3 s

                self._manager = manager.BanditManager(config.BanditConfig(), "file", ignore_nosec=True, quiet=True)
        finally:
            stevedore_log.setLevel(level)
        self._lock = threading.Lock()  # the manager keeps per-run state

    def analyze_many(self, codes: Sequence[str], language: str) -> list[list[Finding]]:
        check_language(self, language)
        with self._lock:
            return [self._analyze_one(code, index) for index, code in enumerate(codes)]

    def _analyze_one(self, code: str, index: int) -> list[Finding]:
        data = code.encode("utf-8", errors="surrogateescape")
        manager = self._manager
        manager.results = []
        manager.metrics.begin(_FILE_NAME)
        try:
            # nosec comments are ignored: generated code must not silence its own judge.
            manager._execute_ast_visitor(_FILE_NAME, io.BytesIO(data), data, {})
        except SyntaxError as err:
            raise AnalyzerError(
                f"bandit cannot parse input {index} (line {err.lineno}: {err.msg}); "
                "check is_valid() before analyzing.",
                index,
            ) from err
        except Exception as err:  # bandit plugins raise anything; never read a crash as "no findings"
            raise AnalyzerError(f"bandit crashed on input {index}: {type(err).__name__}: {err}", index) from err
        floor = SEVERITIES.index(self.min_severity)
        return [
            _to_finding(issue)
            for issue in manager.results
            if SEVERITIES.index(str(issue.severity).lower()) >= floor
        ]


def _to_finding(issue: Any) -> Finding:
    test_id = str(issue.test_id)
    cwe = CWE_OVERRIDES[test_id] if test_id in CWE_OVERRIDES else to_cwe(getattr(issue.cwe, "id", 0))
    return Finding(
        tool="bandit",
        rule=test_id,
        cwe=cwe,
        severity=str(issue.severity).lower(),
        line=int(issue.lineno) if issue.lineno else None,
        message=str(issue.text),
    )
