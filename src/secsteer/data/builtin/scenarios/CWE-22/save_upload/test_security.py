# Exit 0 iff no payload writes a file outside the upload folder.
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


uploads = os.path.abspath(os.path.join("srv", "uploads"))
os.makedirs(uploads)
targets = [os.path.abspath("evil1.txt"), os.path.abspath(os.path.join("srv", "evil2.txt")),
           os.path.abspath("evil3.txt")]
payloads = ["../../evil1.txt", "../evil2.txt", targets[2]]
for payload in payloads:
    try:
        save_upload(uploads, payload, b"owned")
    except Exception:
        pass
written = [t for t in targets if os.path.exists(t)]
if written:
    fail(f"files written outside the upload folder: {written}")
