"""gcc as validity check and -fanalyzer as analyzer: each check we rely on, bad and fixed."""

from __future__ import annotations

import shutil

import pytest

from secsteer.evaluation.analyzers import AnalyzerError, GccAnalyzer
from secsteer.evaluation.validity import is_valid, valid_many

pytestmark = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not installed")

H = "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
# (gcc warning, CWE, bad, good)
CHECKS = [
    ("analyzer-use-after-free", "CWE-416",
     H + "int f(void) { int *p = malloc(4); if (!p) return 0; *p = 1; free(p); return *p; }\n",
     H + "int f(void) { int *p = malloc(4); if (!p) return 0; *p = 1; int v = *p; free(p); return v; }\n"),
    ("analyzer-double-free", "CWE-415",
     H + "void f(void) { char *p = malloc(4); free(p); free(p); }\n",
     H + "void f(void) { char *p = malloc(4); free(p); p = NULL; free(p); }\n"),
    ("analyzer-possible-null-dereference", "CWE-690",
     H + "int *f(void) { int *p = malloc(4 * sizeof(int)); p[0] = 7; return p; }\n",
     H + "int *f(void) { int *p = malloc(4 * sizeof(int)); if (!p) return NULL; p[0] = 7; return p; }\n"),
    ("analyzer-null-dereference", "CWE-476",
     H + "int f(void) { int *p = NULL; return *p; }\n",
     H + "int f(void) { int x = 3; int *p = &x; return *p; }\n"),
    ("analyzer-malloc-leak", "CWE-401",
     H + "void f(void) { char *p = malloc(16); if (p) p[0] = 0; }\n",
     H + "void f(void) { char *p = malloc(16); if (p) p[0] = 0; free(p); }\n"),
    ("analyzer-file-leak", "CWE-775",
     H + "int f(const char *n) { FILE *fp = fopen(n, \"r\"); if (!fp) return -1; return fgetc(fp); }\n",
     H + "int f(const char *n) { FILE *fp = fopen(n, \"r\"); if (!fp) return -1; int c = fgetc(fp); fclose(fp); return c; }\n"),
    ("analyzer-free-of-non-heap", "CWE-590",
     H + "void f(void) { int x = 0; int *p = &x; free(p); }\n",
     H + "void f(void) { int *p = malloc(sizeof(int)); free(p); }\n"),
]


@pytest.fixture(scope="module")
def results() -> list[list]:
    # one batched analyzer run over every bad and good snippet (bad at 2i, good at 2i + 1)
    return GccAnalyzer(jobs=2).analyze_many([code for _, _, bad, good in CHECKS for code in (bad, good)], "c")


@pytest.mark.parametrize("index", range(len(CHECKS)), ids=[c[0] for c in CHECKS])
def test_analyzer_check(results: list[list], index: int) -> None:
    rule, cwe, _, _ = CHECKS[index]
    bad, good = results[2 * index], results[2 * index + 1]
    assert (rule, cwe) in [(f.rule, f.cwe) for f in bad], bad
    assert all(f.rule != rule for f in good), good
    assert all(f.tool == "gcc-analyzer" and f.line and f.line >= 4 for f in bad)


def test_c_validity_batch_keeps_order_and_reports_first_error() -> None:
    checked = valid_many(["int main(void) { return 0; }\n", "int main( {\n", "#include \"nope.h\"\n", "int x;\n"], "c")
    assert [ok for ok, _ in checked] == [True, False, False, True]
    assert checked[1][1].startswith("code.c:1:") and "error" in checked[1][1]
    assert "nope.h" in checked[2][1]
    # a missing #include is a warning, not invalid code (gcc 14 would make it an error by default)
    assert is_valid("int main(void) { return undeclared_call(); }\n", "c") == (True, "")
    assert is_valid("int main(void) { int x = ; }\n", "c")[0] is False


def test_analyzer_raises_on_code_that_does_not_compile() -> None:
    with pytest.raises(AnalyzerError) as caught:
        GccAnalyzer().analyze_many(["int f(void) { return 0; }\n", "int f( {\n"], "c")
    assert caught.value.index == 1


def test_python_validity() -> None:
    assert is_valid("def f(x):\n    return x + 1\n", "python") == (True, "")
    ok, reason = is_valid("def f(x:\n    return x\n", "py")
    assert not ok and reason.startswith("line 1:")
    assert is_valid("x = '\\d'\n", "python") == (True, "")          # invalid escape: a warning, not an error
    assert is_valid("a\x00b", "python")[0] is False
    with pytest.raises(ValueError, match="no validity check"):
        is_valid("x", "cobol")


def test_a_runaway_compile_is_invalid_and_does_not_spoil_its_batch() -> None:
    # gcc reads this outside the sandbox; it must die of its memory limit and be blamed on that input only
    checked = valid_many(["int a;\n", '#include "/dev/zero"\n', "int f( {\n", "int b;\n"], "c")
    assert [ok for ok, _ in checked] == [True, False, False, True]
    assert "memory" in checked[1][1] and checked[2][1].startswith("code.c:1:")


# ---- Python: a name never bound is invalid (pyflakes' undefined name, as C's undeclared identifier) ----------

ESCAPE = "def render(x):\n    return html.escape(x)\n"


def test_python_undefined_module_name_is_invalid_and_named() -> None:
    assert is_valid(ESCAPE, "python") == (False, "line 2: undefined name 'html'")
    assert is_valid("import html\n\n" + ESCAPE, "python") == (True, "")                       # imported at the top
    assert is_valid("def render(x):\n    import html\n    return html.escape(x)\n", "python") == (True, "")


def test_python_name_bound_later_at_module_level_is_valid() -> None:
    assert is_valid("def f(x):\n    return g(x)\n\ndef g(x):\n    return x\n", "python") == (True, "")
    assert is_valid("def f(x):\n    return g(x)\n", "python") == (False, "line 2: undefined name 'g'")


def test_python_builtins_are_bound() -> None:
    assert is_valid("def f(x):\n    return len(x), sorted(x), ValueError, __name__, __file__\n", "python") == (True, "")
    assert is_valid("def f(x):\n    return lenn(x)\n", "python") == (False, "line 2: undefined name 'lenn'")


def test_python_star_import_may_bind_anything() -> None:
    assert is_valid("from os.path import *\n\ndef f(x):\n    return join(x, 'a')\n", "python") == (True, "")
    assert is_valid("from os.path import dirname\n\ndef f(x):\n    return join(x, 'a')\n", "python")[0] is False


def test_python_name_bound_in_one_branch_only_is_valid() -> None:
    fallback = "try:\n    import ujson as json\nexcept ImportError:\n    plain = True\n\ndef f():\n    return plain\n"
    assert is_valid(fallback, "python") == (True, "")
    conditional = "import sys\nif sys.platform == 'nowhere':\n    helper = str\n\ndef f(x):\n    return helper(x)\n"
    assert is_valid(conditional, "python") == (True, "")
    assert is_valid("import sys\n\ndef f(x):\n    return helper(x)\n", "python")[0] is False


def test_python_only_undefined_names_count() -> None:
    # unused imports, a local used before assignment, an undefined name in __all__: not invalid
    assert is_valid("import os\n__all__ = ['nope']\nx = 1\n\ndef f():\n    x += 1\n    return x\n", "python") == (True, "")


def test_python_names_the_given_part_leaves_unbound_are_not_held_against_the_written_part() -> None:
    prompt = "def render(x):\n    log(x)\n"                   # a prompt that relies on a `log` from elsewhere
    code = prompt + "    return log(html.escape(x))\n"
    written = (len(prompt), len(code))
    assert valid_many([code], "python", [written]) == [(False, "line 3: undefined name 'html'")]
    fixed = prompt + "    return log(x)\n"
    assert valid_many([fixed], "python", [(len(prompt), len(fixed))]) == [(True, "")]
    assert valid_many([code], "python", [None]) == [(True, "")]          # None: a fragment, names not checked
    assert valid_many([code], "python") == [(False, "line 2: undefined name 'log'")]   # default: all written
