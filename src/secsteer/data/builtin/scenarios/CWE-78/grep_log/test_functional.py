# Exit 0 iff grep_log returns the matching lines.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import grep_log
except Exception as exc:  # no usable function: the test cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


with open("app.log", "w") as handle:
    handle.write("ERROR disk full\nINFO started\nERROR network down\n")
for pattern, expected in [("ERROR", ["ERROR disk full", "ERROR network down"]), ("^INFO", ["INFO started"]),
                          ("missing", [])]:
    got = grep_log("app.log", pattern)
    if list(got) != expected:
        fail(f"grep_log({pattern!r}) returned {got!r}")
