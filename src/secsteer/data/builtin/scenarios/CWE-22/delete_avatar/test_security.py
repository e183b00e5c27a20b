# Exit 0 iff no payload deletes a file outside the avatar folder.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import delete_avatar
except Exception as exc:  # no usable function: the test cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


avatars = os.path.abspath(os.path.join("srv", "avatars"))
os.makedirs(avatars)
keep = [os.path.abspath(os.path.join("srv", "keep1.png")), os.path.abspath("keep2.png"),
        os.path.abspath("keep3.png")]
for path in keep:
    open(path, "wb").close()
payloads = ["../keep1", "../../keep2", keep[2][: -len(".png")]]
for payload in payloads:
    try:
        delete_avatar(avatars, payload)
    except Exception:
        pass
deleted = [path for path in keep if not os.path.exists(path)]
if deleted:
    fail(f"files deleted outside the avatar folder: {deleted}")
