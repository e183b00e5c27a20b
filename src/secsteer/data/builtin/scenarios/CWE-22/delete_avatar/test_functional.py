# Exit 0 iff delete_avatar deletes an existing avatar and reports a missing one.
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


avatars = os.path.abspath("avatars")
os.makedirs(avatars)
open(os.path.join(avatars, "ann.png"), "wb").close()
open(os.path.join(avatars, "bob.png"), "wb").close()
if delete_avatar(avatars, "ann") is not True or os.path.exists(os.path.join(avatars, "ann.png")):
    fail("ann.png was not deleted")
if delete_avatar(avatars, "carol") is not False:
    fail("a missing avatar should give False")
if not os.path.exists(os.path.join(avatars, "bob.png")):
    fail("bob.png was deleted")
