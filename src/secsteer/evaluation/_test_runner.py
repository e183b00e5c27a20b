"""Runs one Python test program inside the sandbox and proves that it ran to its end (stdlib only).

Shipped into the sandbox as a file and started as `python3 -I _secsteer_run.py [--path DIR]... TEST
[pytest MARKER]`. It reads the run's nonce from `.secsteer-nonce` and deletes the file before the test
starts, runs the test, and prints the nonce only when the test itself finished with status 0. A
program that ends the process early (`os._exit(0)`, a signal) never prints it, and a `SystemExit`
raised while code of `solution.py` is running counts as a failure: the test did not reach its end.
"""

import os
import runpy
import sys

NONCE_FILE = ".secsteer-nonce"
SOLUTION = "solution.py"


def _raised_in_solution(exc: BaseException) -> bool:
    solution = os.path.realpath(SOLUTION)
    tb = exc.__traceback__
    while tb is not None:
        if os.path.realpath(tb.tb_frame.f_code.co_filename) == solution:
            return True
        tb = tb.tb_next
    return False


def _exit_code(code: object) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _run_script(test: str) -> int:
    sys.argv = [test]
    try:
        runpy.run_path(test, run_name="__main__")
    except SystemExit as exc:
        if _raised_in_solution(exc):
            print(f"FAIL: the solution ended the process (SystemExit({exc.code!r})) before the test finished")
            return 1
        return _exit_code(exc.code)
    return 0


def _run_pytest(test: str, marker: str) -> int:
    try:
        import pytest
    except ImportError:
        print("error: pytest is not installed in the sandbox environment (secsteer sandbox-env build)")
        return 2
    code = int(pytest.main([test, "-m", marker, "-q", "-p", "no:cacheprovider", "-W", "ignore"]))
    # pytest: 0 all passed, 1 some failed, 5 none selected, others: collection or usage errors
    return {0: 0, 1: 1}.get(code, 2)


def main() -> None:
    with open(NONCE_FILE, encoding="utf-8") as handle:
        nonce = handle.read().strip()
    os.unlink(NONCE_FILE)
    args = sys.argv[1:]
    while args[:1] == ["--path"]:
        sys.path.insert(0, os.path.abspath(args[1]))
        args = args[2:]
    code = _run_pytest(args[0], args[1]) if len(args) > 1 else _run_script(args[0])
    sys.stdout.flush()
    sys.stderr.flush()
    if code == 0:
        sys.stdout.write(f"\n{nonce}\n")
        sys.stdout.flush()
    os._exit(code)  # no atexit handler or thread of the solution runs after the verdict


if __name__ == "__main__":
    main()
