"""Run a scenario's functional or security test on an assembled program, inside the sandbox.

Test programs follow one convention (docs/scenarios.md): exit 0 = passed, exit 1 = failed, exit 2 =
the test could not run (the solution does not import, a fixture could not be written). A C test
`#include`s `solution.c` and is built with AddressSanitizer and UBSan (every report aborts): a
sanitizer report exits non-zero, so a memory error counts as a failure. A program that does not
compile is a test error, never a failure.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass
from typing import Literal

from secsteer.data.scenarios import Scenario
from secsteer.evaluation.sandbox import ExecResult, SandboxLimits, compile_and_run_c, run_sandboxed

__all__ = ["C_FLAGS", "CheckOutcome", "TestKind", "run_test"]

TestKind = Literal["functional", "security"]
PASSED, FAILED, TEST_ERROR = 0, 1, 2
# Added to the sandbox's sanitizer flags: every UB report aborts, and a call to an undeclared function
# (which returns a truncated int and crashes later) is a build error rather than a security failure.
C_FLAGS = ("-fno-sanitize-recover=all", "-Werror=implicit-function-declaration", "-Werror=int-conversion")
PYTHON = "python3"    # the system interpreter on the sandbox's PATH; tests use only the standard library
DEFAULT_LIMITS = {"python": SandboxLimits(wall_s=10.0, cpu_s=10.0), "c": SandboxLimits(wall_s=10.0, cpu_s=10.0)}
_DETAIL_CHARS = 600


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool | None          # None: the test could not run (no test, build error, harness error)
    detail: str
    timed_out: bool = False
    returncode: int | None = None

    @property
    def error(self) -> bool:
        return self.passed is None


def run_test(
    scenario: Scenario, program: str, kind: TestKind, limits: SandboxLimits | None = None
) -> CheckOutcome:
    """Run the scenario's `kind` test on `program` (an assembled solution) in the sandbox."""
    test = scenario.functional_test if kind == "functional" else scenario.security_test
    if test is None:
        return CheckOutcome(None, f"no {kind} test")
    limits = limits or DEFAULT_LIMITS.get(scenario.language)
    if scenario.language == "python" and limits is not None:
        name = f"test_{kind}.py"
        result = run_sandboxed({"solution.py": program, name: test}, [PYTHON, "-I", name], limits=limits)
        return _interpret(result)
    if scenario.language == "c" and limits is not None:
        name = f"test_{kind}.c"
        built = compile_and_run_c({"solution.c": program, name: test}, sources=(name,), limits=limits,
                                  cflags=C_FLAGS)
        if built.run is None:
            how = "timed out" if built.compiled.timed_out else _first_error(built.compiled.stderr)
            return CheckOutcome(None, f"test did not build: {how}", returncode=built.compiled.returncode)
        return _interpret(built.run)
    return CheckOutcome(None, f"tests in {scenario.language} are not supported")


def _interpret(result: ExecResult) -> CheckOutcome:
    code = result.returncode
    if result.timed_out:
        return CheckOutcome(False, "timed out", timed_out=True, returncode=code)
    if code == PASSED:
        return CheckOutcome(True, "passed", returncode=code)
    output = (result.stdout + "\n" + result.stderr).strip()
    if code == TEST_ERROR:
        return CheckOutcome(None, "test could not run: " + output[-_DETAIL_CHARS:], returncode=code)
    if result.killed_by == "memory":
        return CheckOutcome(False, "failed: memory limit", returncode=code)
    if code == -signal.SIGKILL:
        # nothing in the test sends SIGKILL (sanitizers abort, CPU limits send SIGXCPU first): the
        # machine stopped it, which says nothing about the program
        return CheckOutcome(None, "test was killed (SIGKILL) from outside", returncode=code)
    how = f"signal {-code}" if code < 0 else f"exit {code}"
    return CheckOutcome(False, f"failed ({how}): {_summary(output)}", returncode=code)


def _summary(output: str) -> str:
    """The sanitizer's summary line when there is one, else the first lines of output."""
    for marker in ("runtime error: ", "SUMMARY: ", "FAIL"):
        for line in output.splitlines():
            if marker in line:
                return line.strip()[:_DETAIL_CHARS]
    return output[:_DETAIL_CHARS]


def _first_error(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if "error" in line]
    return (errors[0] if errors else stderr.strip())[:_DETAIL_CHARS]
