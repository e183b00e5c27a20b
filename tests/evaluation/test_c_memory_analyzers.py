"""gcc's memory-error warnings and cppcheck: every mapped check on a known-bad and a known-good program,
and cppcheck missing degrades to "unavailable", never to secure."""

from __future__ import annotations

import logging
import shutil

import pytest

from secsteer.evaluation import analyzers as registry
from secsteer.evaluation.analyzers import (
    AnalyzerError,
    CppcheckAnalyzer,
    GccWarningsAnalyzer,
    default_analyzers,
)
from secsteer.evaluation.analyzers import cppcheck as cppcheck_module
from secsteer.evaluation.analyzers.c_compiler import WARNING_CWES
from secsteer.evaluation.analyzers.cppcheck import CPPCHECK_CWES

H = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"

# (gcc warning, bad, good)
GCC = [
    ("array-bounds", H + "int f(void) { int a[4] = {1, 2, 3, 4}; return a[4]; }\n",
     H + "int f(void) { int a[4] = {1, 2, 3, 4}; return a[3]; }\n"),
    ("aggressive-loop-optimizations",
     H + "int a[8];\nint f(void) { int t = 0; for (int i = 0; i <= 8; i++) t += a[i]; return t; }\n",
     H + "int a[8];\nint f(void) { int t = 0; for (int i = 0; i < 8; i++) t += a[i]; return t; }\n"),
    ("stringop-overflow",
     H + "char *g(void) { char *p = malloc(4); if (!p) return 0; memset(p, 'a', 8); return p; }\n",
     H + "char *g(void) { char *p = malloc(8); if (!p) return 0; memset(p, 'a', 8); return p; }\n"),
    ("format-overflow", H + "void f(double x, char *o) { char b[4]; sprintf(b, \"%f\", x); o[0] = b[0]; }\n",
     H + "void f(double x, char *o) { char b[4]; snprintf(b, sizeof b, \"%f\", x); o[0] = b[0]; }\n"),
    ("use-after-free", H + "int f(void) { int *p = malloc(sizeof *p); if (!p) return 0; *p = 1; free(p); return *p; }\n",
     H + "int f(void) { int *p = malloc(sizeof *p); if (!p) return 0; *p = 1; int v = *p; free(p); return v; }\n"),
    ("free-nonheap-object", H + "void f(void) { int x = 0; free(&x); }\n",
     H + "void f(void) { int *x = malloc(sizeof *x); free(x); }\n"),
]

# (cppcheck id, bad, good): one pair for every id in CPPCHECK_CWES
CPPCHECK = [
    ("arrayIndexOutOfBounds", H + "int f(void) { int a[4] = {0}; return a[4]; }\n",
     H + "int f(void) { int a[4] = {0}; return a[3]; }\n"),
    ("negativeIndex", H + "int f(void) { int a[4] = {0}; return a[-1]; }\n", H + "int f(void) { int a[4] = {0}; return a[0]; }\n"),
    ("nullPointer", H + "int f(void) { int *p = NULL; return *p; }\n", H + "int f(void) { int x = 1; int *p = &x; return *p; }\n"),
    ("doubleFree", H + "void f(void) { char *p = malloc(4); free(p); free(p); }\n",
     H + "void f(void) { char *p = malloc(4); free(p); p = NULL; free(p); }\n"),
    ("deallocuse", H + "void f(void) { char *p = malloc(4); if (!p) return; free(p); *p = 1; }\n",
     H + "void f(void) { char *p = malloc(4); if (!p) return; *p = 1; free(p); }\n"),
    ("integerOverflow", H + "int f(void) { int x = 2147483647; return x + 1; }\n",
     H + "long long f(void) { long long x = 2147483647; return x + 1; }\n"),
]


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")
def test_gcc_warnings_fire_on_bad_and_not_on_good() -> None:
    assert {w for w, _, _ in GCC} == set(WARNING_CWES), "every mapped gcc warning needs a bad/good pair"
    found = GccWarningsAnalyzer().analyze_many([code for _, bad, good in GCC for code in (bad, good)], "c")
    for i, (warning, _, _) in enumerate(GCC):
        assert f"W{warning}" in [f.rule for f in found[2 * i]], f"-W{warning} missed its known-bad program"
        assert found[2 * i][0].cwe == WARNING_CWES[warning] and found[2 * i][0].tool == "gcc-warnings"
        assert found[2 * i + 1] == [], f"-W{warning}: the fixed program still has findings"


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")
def test_gcc_analyzer_does_not_report_plain_warnings() -> None:
    # the -fanalyzer run sees gcc's default warnings too; they belong to gcc-warnings, not counted twice
    from secsteer.evaluation.analyzers import GccAnalyzer

    found = GccAnalyzer().analyze_many([GCC[0][1]], "c")[0]
    assert all(f.tool == "gcc-analyzer" for f in found)


needs_cppcheck = pytest.mark.skipif(shutil.which("cppcheck") is None, reason="cppcheck is not installed (apt-get install cppcheck)")


@needs_cppcheck
def test_cppcheck_checks_fire_on_bad_and_not_on_good() -> None:
    assert {c for c, _, _ in CPPCHECK} == set(CPPCHECK_CWES), "every mapped cppcheck id needs a bad/good pair"
    found = CppcheckAnalyzer().analyze_many([code for _, bad, good in CPPCHECK for code in (bad, good)], "c")
    for i, (check, _, _) in enumerate(CPPCHECK):
        assert check in [f.rule for f in found[2 * i]], f"cppcheck {check} missed its known-bad program"
        assert {f.cwe for f in found[2 * i] if f.rule == check} == {CPPCHECK_CWES[check]}
        assert found[2 * i + 1] == [], f"cppcheck {check}: the fixed program still has findings"


@needs_cppcheck
def test_cppcheck_ignores_style_checks() -> None:
    # unused variable and a resource leak are real cppcheck messages but not memory-safety findings
    code = H + "int f(const char *n) { int unused = 3; FILE *fp = fopen(n, \"r\"); if (!fp) return -1; return 0; }\n"
    assert CppcheckAnalyzer().analyze_many([code], "c") == [[]]


def test_missing_cppcheck_is_unavailable_not_secure(monkeypatch: pytest.MonkeyPatch,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(cppcheck_module, "cppcheck_binary", lambda: None)
    monkeypatch.setattr(registry, "_warned", set())
    with caplog.at_level(logging.WARNING):
        names = [a.name for a in default_analyzers("c")]
    assert "cppcheck" not in names and "gcc-analyzer" in names
    assert "cppcheck is unavailable" in caplog.text
    with pytest.raises(AnalyzerError, match="unavailable"):
        CppcheckAnalyzer().analyze_many(["int x;\n"], "c")


def test_missing_cppcheck_changes_the_coverage_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from secsteer.evaluation.coverage import analyzer_digest

    with_it = analyzer_digest(["cppcheck", "gcc-analyzer"])
    assert analyzer_digest(["gcc-analyzer"]) != with_it
