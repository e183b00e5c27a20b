"""Run a scenario's functional or security test on an assembled program, inside the sandbox.

Test programs follow one convention (docs/scenarios.md): exit 0 = passed, exit 1 = failed, exit 2 =
the test could not run (the solution does not import, a fixture could not be written). Four forms:

- Python script: `test_<kind>.py` imports `solution.py`;
- C with `#include "solution.c"`: `test_<kind>.c`, built with AddressSanitizer and UBSan (every report
  aborts), so a memory error is a failure;
- Python driving a C program: the solution is built (sanitized) to `./solution` and a Python test runs
  it with argv and stdin (`Scenario.test_language == "python"`);
- pytest: one file with `functionality` / `security` markers (`Scenario.test_style == "pytest"`).

A test passes only when it ran to its end: a random nonce, written to a file the harness deletes before
the test starts, is printed after the test finished with status 0. A program that ends the process
early (`sys.exit`, `os._exit`, C `exit(0)`) exits 0 without it and fails. A program that does not
build is a test error, never a failure; a test whose packages are missing is not judged.
"""

from __future__ import annotations

import secrets
import signal
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from secsteer.data.scenario import Scenario
from secsteer.evaluation import sandbox_env
from secsteer.evaluation.sandbox import (
    COMPILE_LIMITS,
    SANITIZE_FLAGS,
    ExecResult,
    SandboxLimits,
    open_sandbox,
)

__all__ = ["C_FLAGS", "CheckOutcome", "TestKind", "run_test"]

TestKind = Literal["functional", "security"]
PASSED, FAILED, TEST_ERROR = 0, 1, 2
# Added to the sandbox's sanitizer flags: every UB report aborts, and a call to an undeclared function
# (which returns a truncated int and crashes later) is a build error rather than a security failure.
C_FLAGS = ("-fno-sanitize-recover=all", "-Werror=implicit-function-declaration", "-Werror=int-conversion")
PYTHON = "python3"    # the system interpreter on the sandbox's PATH
DEFAULT_LIMITS = {"python": SandboxLimits(wall_s=10.0, cpu_s=10.0), "c": SandboxLimits(wall_s=10.0, cpu_s=10.0)}
MARKERS = {"functional": "functionality", "security": "security"}
NONCE_FILE = ".secsteer-nonce"
RUNNER_FILE = "_secsteer_run.py"
RUNNER = Path(__file__).with_name("_test_runner.py").read_text(encoding="utf-8")
C_MAIN_FILE = "_secsteer_main.c"
# The test's main is renamed (-Dmain=secsteer_test_main); this main runs it and prints the nonce only
# when it returned 0. exit() anywhere before that ends the process without the nonce.
C_MAIN = """#undef main
#include <stdio.h>
int secsteer_test_main(int argc, char **argv);
int main(int argc, char **argv)
{
    char nonce[80] = {0};
    FILE *file = fopen(".secsteer-nonce", "r");
    if (file == NULL || fgets(nonce, sizeof nonce, file) == NULL) {
        fputs("error: the harness has no nonce\\n", stderr);
        return 2;
    }
    fclose(file);
    remove(".secsteer-nonce");
    int code = secsteer_test_main(argc, argv);
    fflush(stdout);
    fflush(stderr);
    if (code == 0)
        printf("\\n%s\\n", nonce);
    return code;
}
"""
_ASAN_ENV = "detect_leaks=0:hard_rss_limit_mb={mb}"
_DETAIL_CHARS = 600


@dataclass(frozen=True)
class CheckOutcome:
    passed: bool | None          # None: the test could not run (no test, build error, harness error)
    detail: str
    timed_out: bool = False
    returncode: int | None = None
    unmet: tuple[str, ...] = ()  # packages the test needs that the sandbox environment lacks

    @property
    def error(self) -> bool:
        return self.passed is None


@dataclass(frozen=True)
class _Plan:
    files: dict[str, str]
    build: list[str] | None      # gcc command, or None
    argv: list[str]
    sanitized: bool


def run_test(
    scenario: Scenario, program: str, kind: TestKind, limits: SandboxLimits | None = None
) -> CheckOutcome:
    """Run the scenario's `kind` test on `program` (an assembled solution) in the sandbox."""
    test = scenario.functional_test if kind == "functional" else scenario.security_test
    if test is None:
        return CheckOutcome(None, f"no {kind} test")
    needs = scenario.requires + (("pytest",) if scenario.test_style == "pytest" else ())
    unmet = tuple(sandbox_env.missing(needs))
    if unmet:
        how = "run `secsteer sandbox-env build`" if sandbox_env.ready_dir() is None else "not in the pinned set"
        return CheckOutcome(None, f"not judged: the test needs {', '.join(unmet)} ({how})", unmet=unmet)
    limits = limits or DEFAULT_LIMITS.get(scenario.language)
    plan = _plan(scenario, program, kind, test)
    if plan is None or limits is None:
        return CheckOutcome(None, f"tests in {scenario.language} are not supported")
    nonce = secrets.token_hex(16)
    env_folder = sandbox_env.ready_dir() if plan.argv[0] == PYTHON else None
    read_only = {sandbox_env.MOUNT_NAME: str(env_folder)} if env_folder else None
    files = {**plan.files, NONCE_FILE: nonce}
    with open_sandbox(files, limits.disk_mb, read_only=read_only) as box:
        if plan.build is not None:
            compiled = box.run(plan.build, COMPILE_LIMITS)
            if not compiled.ok:
                how = "timed out" if compiled.timed_out else _first_error(compiled.stderr)
                return CheckOutcome(None, f"test did not build: {how}", returncode=compiled.returncode)
        env = {"ASAN_OPTIONS": _ASAN_ENV.format(mb=limits.memory_mb),
               "UBSAN_OPTIONS": "print_stacktrace=1:halt_on_error=1"} if plan.sanitized else None
        result = box.run(plan.argv, limits, env=env, address_space_limit=not plan.sanitized)
    return _interpret(result, nonce)


def _plan(scenario: Scenario, program: str, kind: TestKind, test: str) -> _Plan | None:
    """Files, build command and argv for one test run, by the scenario's and the test's language."""
    gcc = ["gcc", "-std=gnu17", "-g", "-O0", *SANITIZE_FLAGS, *C_FLAGS]
    test_language = scenario.test_language or scenario.language
    if test_language == "python":
        name = "test_solution.py" if scenario.test_style == "pytest" else f"test_{kind}.py"
        argv = [PYTHON, RUNNER_FILE, "--path", f"{sandbox_env.MOUNT_NAME}/site", name]
        argv += [MARKERS[kind]] if scenario.test_style == "pytest" else []
        files = {name: test, RUNNER_FILE: RUNNER}
        if scenario.language == "python":
            return _Plan({"solution.py": program, **files}, None, argv, sanitized=False)
        if scenario.language == "c":
            build = [*gcc, "solution.c", "-o", "solution", "-lm"]
            return _Plan({"solution.c": program, **files}, build, argv, sanitized=True)
        return None
    if test_language == "c" and scenario.language == "c":
        name = f"test_{kind}.c"
        build = [*gcc, "-Dmain=secsteer_test_main", name, C_MAIN_FILE, "-o", "a.out", "-lm"]
        files = {"solution.c": program, name: test, C_MAIN_FILE: C_MAIN}
        return _Plan(files, build, ["./a.out"], sanitized=True)
    return None


def _interpret(result: ExecResult, nonce: str) -> CheckOutcome:
    code = result.returncode
    finished = nonce in result.stdout
    output = (result.stdout.replace(nonce, "") + "\n" + result.stderr).strip()
    if result.timed_out:
        return CheckOutcome(False, "timed out", timed_out=True, returncode=code)
    if code == PASSED and finished:
        return CheckOutcome(True, "passed", returncode=code)
    if code == PASSED:
        return CheckOutcome(False, "failed: the program exited with status 0 before the test finished "
                            f"(no end-of-test marker): {_summary(output)}", returncode=code)
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
    for marker in ("runtime error: ", "SUMMARY: ", "FAILED ", "FAIL"):
        for line in output.splitlines():
            if marker in line:
                return line.strip()[:_DETAIL_CHARS]
    return output[:_DETAIL_CHARS]


def _first_error(stderr: str) -> str:
    errors = [line for line in stderr.splitlines() if "error" in line]
    return (errors[0] if errors else stderr.strip())[:_DETAIL_CHARS]
