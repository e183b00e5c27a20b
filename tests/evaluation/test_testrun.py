"""run_test: how exit codes, build errors and timeouts become CheckOutcome."""

from __future__ import annotations

import shutil

import pytest

from secsteer.data.scenarios import Scenario
from secsteer.evaluation.sandbox import SandboxLimits
from secsteer.evaluation.testrun import run_test

needs_gcc = pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc not found")
PY_TEST = """\
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import f
except Exception as exc:
    print(f"error: {exc!r}")
    sys.exit(2)
sys.exit(0 if f(2) == 4 else 1)
"""
C_TEST = '#include "solution.c"\nint main(void) { return f(2) == 4 ? 0 : 1; }\n'


def py(test: str | None = PY_TEST) -> Scenario:
    return Scenario("t/py", "CWE-89", "python", "def f(x):\n", functional_test=test, security_test=None)


def c() -> Scenario:
    return Scenario("t/c", "CWE-787", "c", "int f(int x)\n{\n", suffix="\n}\n", functional_test=C_TEST)


def test_python_pass_fail_and_harness_error() -> None:
    assert run_test(py(), "def f(x):\n    return 2 * x\n", "functional").passed is True
    failed = run_test(py(), "def f(x):\n    return x\n", "functional")
    assert (failed.passed, failed.returncode) == (False, 1)
    error = run_test(py(), "def g(x):\n    return x\n", "functional")
    assert error.passed is None and error.error and "cannot import name 'f'" in error.detail


def test_python_uncaught_exception_is_a_failure_and_timeout_is_flagged() -> None:
    assert run_test(py(), "def f(x):\n    raise RuntimeError('boom')\n", "functional").passed is False
    slow = Scenario("t", "CWE-89", "python", "", functional_test="while True:\n    pass\n")
    result = run_test(slow, "", "functional", limits=SandboxLimits(wall_s=1.0, cpu_s=5.0))
    assert (result.passed, result.timed_out) == (False, True)


def test_missing_test_and_unsupported_language_are_errors() -> None:
    assert run_test(py(), "", "security").detail == "no security test"
    js = Scenario("t", "CWE-79", "javascript", "", functional_test="process.exit(0)")
    assert run_test(js, "", "functional").passed is None


@needs_gcc
def test_c_pass_sanitizer_failure_and_build_error() -> None:
    assert run_test(c(), c().assemble("    return 2 * x;"), "functional").passed is True
    overflow = "    char b[2];\n    volatile int i = x + 3;\n    b[i] = 1;\n    return b[0] * 0 + 4;"
    result = run_test(c(), c().assemble(overflow), "functional")
    assert result.passed is False and "index 5 out of bounds" in result.detail
    broken = run_test(c(), c().assemble("    return undeclared_helper(x);"), "functional")
    assert broken.passed is None and "did not build" in broken.detail


def test_sigkill_from_outside_is_an_error_but_a_crash_is_a_failure() -> None:
    killed = Scenario("t", "CWE-89", "python", "", functional_test="import os, signal\nos.kill(os.getpid(), 9)\n")
    assert run_test(killed, "", "functional").passed is None
    aborted = Scenario("t", "CWE-89", "python", "", functional_test="import os\nos.abort()\n")
    result = run_test(aborted, "", "functional")
    assert (result.passed, result.returncode) == (False, -6) and "signal 6" in result.detail


# The exit-0 hole: a completion that ends the process early with status 0 must pass no test.
PY_EARLY_EXITS = {
    "SystemExit": "def f(x):\n    raise SystemExit(0)\n",
    "sys.exit": "def f(x):\n    import sys\n    sys.exit()\n",
    "exit builtin": "def f(x):\n    exit(0)\n",
    "os._exit": "def f(x):\n    import os\n    os._exit(0)\n",
    "at import": "import os\nos._exit(0)\ndef f(x):\n    return 2 * x\n",
}


@pytest.mark.parametrize("program", PY_EARLY_EXITS.values(), ids=PY_EARLY_EXITS.keys())
def test_python_completion_that_exits_early_does_not_pass(program: str) -> None:
    result = run_test(py(), program, "functional")
    assert result.passed is False and result.returncode in (0, 1), result
    assert "before the test finished" in result.detail


def test_the_tests_own_exit_still_counts() -> None:
    explicit = PY_TEST.replace("sys.exit(0 if f(2) == 4 else 1)", "if f(2) != 4:\n    sys.exit(1)\nsys.exit(0)")
    assert run_test(py(explicit), "def f(x):\n    return 2 * x\n", "functional").passed is True
    falls_off_the_end = PY_TEST.replace("sys.exit(0 if f(2) == 4 else 1)", "assert f(2) == 4")
    assert run_test(py(falls_off_the_end), "def f(x):\n    return 2 * x\n", "functional").passed is True


def test_a_printed_guess_of_the_marker_does_not_pass() -> None:
    # the nonce is random per run, so printing anything and exiting 0 early is still a failure
    program = "def f(x):\n    import os\n    print('passed')\n    os._exit(0)\n"
    assert run_test(py(), program, "functional").passed is False


@needs_gcc
@pytest.mark.parametrize("call", ["exit(0)", "_exit(0)", "_Exit(0)", "quick_exit(0)"])
def test_c_completion_that_exits_early_does_not_pass(call: str) -> None:
    scenario = Scenario("t/c", "CWE-787", "c", "#include <stdlib.h>\n#include <unistd.h>\nint f(int x)\n{\n",
                        suffix="\n}\n", functional_test=C_TEST)
    slow_machine = SandboxLimits(wall_s=60.0, cpu_s=10.0)
    result = run_test(scenario, scenario.assemble(f"    {call};\n    return 2 * x;"), "functional", slow_machine)
    assert result.passed is False and result.returncode == 0, result
    assert "before the test finished" in result.detail
    assert run_test(scenario, scenario.assemble("    return 2 * x;"), "functional").passed is True


def test_read_only_folders_can_be_read_but_not_written(tmp_path) -> None:
    from secsteer.evaluation.sandbox import open_sandbox, sandbox_mode

    if sandbox_mode() == "plain":
        pytest.skip("the plain fallback runs as the same user: it links the folder and cannot make it read-only")
    shared = tmp_path / "pkgs"
    shared.mkdir()
    (shared / "mod.py").write_text("VALUE = 42\n")
    shared.chmod(0o755)
    (shared / "mod.py").chmod(0o644)
    probe = ("import sys\nsys.path.insert(0, 'pkgs')\nimport mod\nprint(mod.VALUE)\n"
             "try:\n    open('pkgs/new.py', 'w').write('x')\n    print('wrote')\nexcept OSError:\n    print('refused')\n")
    with open_sandbox({"probe.py": probe}, read_only={"pkgs": str(shared)}) as box:
        result = box.run(["python3", "probe.py"])
    assert result.stdout.split() == ["42", "refused"], result
    assert not (shared / "new.py").exists()


@needs_gcc
def test_issue_reproduction_early_exits_are_neither_functional_nor_secure() -> None:
    from secsteer.data.scenario_sources.builtin import load_builtin
    from secsteer.evaluation.judge import judge_many

    found = {s.id: s for s in load_builtin()}
    py_scenario, c_scenario = found["builtin/CWE-89/get_user"], found["builtin/CWE-787/c_copy_name"]
    cases = [(py_scenario, "    raise SystemExit(0)\n"), (py_scenario, "    import os\n    os._exit(0)\n"),
             (c_scenario, "    extern void exit(int);\n    exit(0);\n")]
    for verdict in judge_many(cases, analyzers=[], run_tests=True):
        assert (verdict.secure, verdict.functional) == (False, False), verdict.detail
