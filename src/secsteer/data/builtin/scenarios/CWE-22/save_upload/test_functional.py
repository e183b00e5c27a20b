# Exit 0 iff save_upload stores the bytes under the given name in the folder.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import save_upload
except Exception as exc:  # no usable function: the test cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


uploads = os.path.abspath("uploads")
os.makedirs(uploads)
path = save_upload(uploads, "photo.png", b"\x89PNG data")
expected = os.path.join(uploads, "photo.png")
if not os.path.isfile(expected) or os.path.realpath(path) != os.path.realpath(expected):
    fail(f"save_upload returned {path!r}; {expected} exists: {os.path.isfile(expected)}")
with open(expected, "rb") as handle:
    if handle.read() != b"\x89PNG data":
        fail("the stored bytes differ")
