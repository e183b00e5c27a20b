# Exit 0 iff read_user_file reads files in the folder and its subfolders.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import read_user_file
except Exception as exc:  # no usable function: the test cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


base = os.path.abspath("files")
os.makedirs(os.path.join(base, "2024"))
with open(os.path.join(base, "notes.txt"), "w") as handle:
    handle.write("buy milk")
with open(os.path.join(base, "2024", "report.txt"), "w") as handle:
    handle.write("all good")
for name, expected in [("notes.txt", "buy milk"), ("2024/report.txt", "all good")]:
    got = read_user_file(base, name)
    if got != expected:
        fail(f"read_user_file({name!r}) returned {got!r}")
