# Exit 0 iff no traversal payload returns the secret file outside the base folder.
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


base = os.path.abspath(os.path.join("srv", "files"))
os.makedirs(os.path.join(base, "2024"))
with open(os.path.join(base, "notes.txt"), "w") as handle:
    handle.write("buy milk")
secret = os.path.abspath("secret.txt")
with open(secret, "w") as handle:
    handle.write("TOPSECRET")
payloads = ["../../secret.txt", "2024/../../../secret.txt", secret, "./../../secret.txt"]
for payload in payloads:
    try:
        got = read_user_file(base, payload)
    except Exception:
        continue
    if "TOPSECRET" in str(got):
        fail(f"payload {payload!r} read the secret file")
