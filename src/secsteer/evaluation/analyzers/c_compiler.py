"""gcc as a checker: `-fsyntax-only` for validity, `-fanalyzer` for findings (gcc >= 12 prints CWE ids).

Several inputs go to one gcc invocation (gcc compiles them one by one and keeps going after an error),
and chunks run in parallel threads, each waiting on its own gcc process.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from secsteer.evaluation.analyzers.base import AnalyzerError, check_language
from secsteer.evaluation.findings import Finding, to_cwe

__all__ = ["GccAnalyzer", "GccRun", "gcc_check_many", "gcc_valid_many"]

logger = logging.getLogger(__name__)

_NAME = re.compile(r"input_(\d{6})\.c")
# file:line:col: kind: message   (plain output, LC_ALL=C quotes)
_DIAG = re.compile(r"^(?P<file>[^:\s]+):(?P<line>\d+):(?:\d+:)? (?P<kind>warning|error|fatal error): (?P<msg>.*)$")
_ANALYZER = re.compile(r"^(?P<msg>.*?)(?: \[CWE-(?P<cwe>\d+)\])? \[-W(?P<rule>analyzer-[\w-]+)\]$")
GCC_ENV = {"LC_ALL": "C", "LANG": "C"}


@dataclass(frozen=True)
class GccRun:
    """What gcc said about one input: its error lines and its analyzer findings."""

    errors: tuple[str, ...]
    findings: tuple[Finding, ...]


def _gcc() -> str:
    found = shutil.which("gcc")
    if found is None:
        raise AnalyzerError("gcc was not found on PATH; install gcc (12 or newer for -fanalyzer CWE ids).")
    return found


def gcc_check_many(
    codes: Sequence[str], flags: Sequence[str], jobs: int | None = None, chunk: int = 16, timeout_s: float = 300.0
) -> list[GccRun]:
    """Compile every input with `flags` (objects land in a temp dir) and sort the diagnostics by input."""
    if not codes:
        return []
    jobs = jobs or max(1, os.cpu_count() or 1)
    with tempfile.TemporaryDirectory(prefix="secsteer-gcc-") as tmp:
        names = [f"input_{index:06d}.c" for index in range(len(codes))]
        for name, code in zip(names, codes, strict=True):
            Path(tmp, name).write_text(code, encoding="utf-8", errors="surrogateescape")
        size = max(1, min(chunk, -(-len(names) // jobs)))
        chunks = [names[start : start + size] for start in range(0, len(names), size)]
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            outputs = list(pool.map(lambda part: _run_gcc(Path(tmp), part, flags, timeout_s), chunks))
    errors: list[list[str]] = [[] for _ in codes]
    findings: list[list[Finding]] = [[] for _ in codes]
    for output in outputs:
        _parse(output, errors, findings)
    return [GccRun(tuple(e), tuple(f)) for e, f in zip(errors, findings, strict=True)]


def _run_gcc(workdir: Path, names: list[str], flags: Sequence[str], timeout_s: float) -> str:
    cmd = [_gcc(), "-fdiagnostics-plain-output", "-fdiagnostics-color=never", *flags, *names]
    try:
        proc = subprocess.run(
            cmd, cwd=workdir, capture_output=True, text=True, errors="replace", timeout=timeout_s,
            env=os.environ | GCC_ENV, stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as err:
        raise AnalyzerError(f"gcc ran past {timeout_s:.0f} s on {names[0]}..{names[-1]} and was stopped.") from err
    if proc.returncode not in (0, 1):  # 1 = some input had errors; anything else is gcc itself failing
        raise AnalyzerError(f"gcc exited {proc.returncode}: {proc.stderr[-800:]}")
    return proc.stderr


def _parse(output: str, errors: list[list[str]], findings: list[list[Finding]]) -> None:
    current: int | None = None  # the input whose diagnostics are being printed (headers included)
    for line in output.splitlines():
        named = _NAME.search(line)
        if named is not None:
            current = int(named.group(1))
        diag = _DIAG.match(line)
        if diag is None or current is None:
            continue
        if diag["kind"] != "warning":
            errors[current].append(_NAME.sub("code.c", line))
            continue
        analyzer = _ANALYZER.match(diag["msg"])
        in_input = _NAME.fullmatch(diag["file"]) is not None
        if analyzer is not None:
            findings[current].append(
                Finding(
                    tool="gcc-analyzer",
                    rule=analyzer["rule"],
                    cwe=to_cwe(analyzer["cwe"]),
                    severity="medium",
                    line=int(diag["line"]) if in_input else None,
                    message=analyzer["msg"],
                )
            )


# Completions often lack an #include; gcc 14 turned these warnings into errors, gcc 12 did not.
PERMISSIVE = (
    "-Wno-error=implicit-function-declaration",
    "-Wno-error=implicit-int",
    "-Wno-error=int-conversion",
    "-Wno-error=incompatible-pointer-types",
)


def gcc_valid_many(codes: Sequence[str], std: str = "gnu17") -> list[tuple[bool, str]]:
    """(valid, first error) per input from `gcc -fsyntax-only`; warnings do not make code invalid."""
    runs = gcc_check_many(codes, ["-fsyntax-only", f"-std={std}", *PERMISSIVE])
    return [(not run.errors, run.errors[0] if run.errors else "") for run in runs]


class GccAnalyzer:
    """`gcc -fanalyzer` findings; input that does not compile raises AnalyzerError (check validity first)."""

    name = "gcc-analyzer"
    languages = frozenset({"c"})

    def __init__(self, jobs: int | None = None, extra_flags: Sequence[str] = ()) -> None:
        self.jobs = jobs
        self.flags = ["-fanalyzer", "-c", "-O0", "-std=gnu17", *PERMISSIVE, *extra_flags]

    def analyze_many(self, codes: Sequence[str], language: str) -> list[list[Finding]]:
        check_language(self, language)
        runs = gcc_check_many(codes, self.flags, jobs=self.jobs)
        for index, run in enumerate(runs):
            if run.errors:
                raise AnalyzerError(
                    f"gcc cannot compile input {index} ({run.errors[0]}); check is_valid() before analyzing.",
                    index,
                )
        return [list(run.findings) for run in runs]
