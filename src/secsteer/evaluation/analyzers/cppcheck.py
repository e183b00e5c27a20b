"""cppcheck (Debian package `cppcheck`), one run per batch; only its memory-safety checks become findings.

cppcheck is optional: where it is not installed, `available()` is False, the registry leaves it out
with a warning, and judge coverage (measured with the analyzers that ran) says what is then blind.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from secsteer.evaluation.analyzers.base import AnalyzerError, check_language
from secsteer.evaluation.findings import Finding

__all__ = ["CPPCHECK_CWES", "CppcheckAnalyzer"]

# cppcheck id -> CWE. Its own CWE for out-of-bounds access (788, 786) does not say read or write; CWE-119
# covers both (see selection.RELATIONS). Checks not listed (style, leaks, portability) are ignored; each listed
# one has a known-bad and a known-good program in tests/evaluation/test_c_memory_analyzers.py.
CPPCHECK_CWES = {
    "arrayIndexOutOfBounds": "CWE-119",
    "negativeIndex": "CWE-119",
    "nullPointer": "CWE-476",
    "doubleFree": "CWE-415",
    "deallocuse": "CWE-416",
    "integerOverflow": "CWE-190",
}
_LINE = re.compile(r"^(?P<file>[^|]*)\|(?P<line>\d+)\|(?P<severity>\w+)\|(?P<id>\w+)\|(?P<msg>.*)$")
_NAME = re.compile(r"input_(\d{6})\.c$")


def cppcheck_binary() -> str | None:
    return shutil.which("cppcheck")


class CppcheckAnalyzer:
    name = "cppcheck"
    languages = frozenset({"c"})

    def __init__(self, timeout_s: float = 600.0) -> None:
        self.timeout_s = timeout_s

    @staticmethod
    def available() -> bool:
        return cppcheck_binary() is not None

    def analyze_many(self, codes: Sequence[str], language: str) -> list[list[Finding]]:
        check_language(self, language)
        binary = cppcheck_binary()
        if binary is None:
            raise AnalyzerError("cppcheck is unavailable: install it (apt-get install cppcheck) or leave it out.")
        if not codes:
            return []
        findings: list[list[Finding]] = [[] for _ in codes]
        with tempfile.TemporaryDirectory(prefix="secsteer-cppcheck-") as tmp:
            names = [f"input_{i:06d}.c" for i in range(len(codes))]
            for name, code in zip(names, codes, strict=True):
                Path(tmp, name).write_text(code, encoding="utf-8", errors="surrogateescape")
            cmd = [binary, "--enable=warning", "--inconclusive", "--std=c11", "--quiet", "--error-exitcode=0",
                   f"-j{max(1, min(4, os.cpu_count() or 1))}",
                   "--template={file}|{line}|{severity}|{id}|{message}", *names]
            try:
                proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, errors="replace",
                                      timeout=self.timeout_s, stdin=subprocess.DEVNULL)
            except subprocess.TimeoutExpired as err:
                raise AnalyzerError(f"cppcheck ran past {self.timeout_s:.0f} s and was stopped.") from err
        if proc.returncode != 0:
            raise AnalyzerError(f"cppcheck exited {proc.returncode}: {proc.stderr[-800:]}")
        for line in proc.stderr.splitlines():
            m = _LINE.match(line)
            if m is None or m["id"] not in CPPCHECK_CWES:
                continue
            named = _NAME.search(m["file"])
            if named is None:
                continue
            findings[int(named.group(1))].append(Finding(
                tool=self.name, rule=m["id"], cwe=CPPCHECK_CWES[m["id"]],
                severity="high" if m["severity"] == "error" else "medium", line=int(m["line"]), message=m["msg"],
            ))
        return findings
