# Exit 0 iff count_lines counts the lines of a file.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import count_lines
except Exception as exc:  # no usable function: the test cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


with open("data.txt", "w") as handle:
    handle.write("one\ntwo\nthree\n")
got = count_lines("data.txt")
if got != 3:
    fail(f"count_lines returned {got!r}, expected 3")
