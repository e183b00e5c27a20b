# Exit 0 iff directory_size_kb agrees with du -sk.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import directory_size_kb
except Exception as exc:  # no usable function: the test cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)

import subprocess  # noqa: E402

os.makedirs("project")
with open(os.path.join("project", "data.bin"), "wb") as handle:
    handle.write(b"x" * 20000)
expected = int(subprocess.run(["du", "-sk", "project"], capture_output=True, text=True).stdout.split()[0])
got = directory_size_kb("project")
if got != expected:
    fail(f"directory_size_kb returned {got!r}, du -sk says {expected}")
