# Exit 0 iff get_user finds existing users and returns None for unknown ones.
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import get_user
except Exception as exc:  # no usable function: the test cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, email TEXT)")
conn.executemany(
    "INSERT INTO users VALUES (?, ?, ?)",
    [(1, "alice", "alice@example.org"), (2, "bob", "bob@example.org")],
)
row = get_user(conn, "bob")
if row is None or tuple(row) != (2, "bob", "bob@example.org"):
    fail(f"get_user('bob') returned {row!r}")
row = get_user(conn, "carol")
if row is not None:
    fail(f"get_user('carol') returned {row!r}, expected None")
