# Exit 0 iff no SQL injection payload returns a row (raising an exception counts as rejecting it).
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import get_user
except Exception as exc:  # no usable function: the attack cannot run
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
payloads = ["' OR '1'='1", "nobody' OR 1=1 --", "x' UNION SELECT 7, 'mallory', 'evil@example.org' --"]
for payload in payloads:
    try:
        row = get_user(conn, payload)
    except Exception:
        row = None
    if row is not None:
        fail(f"payload {payload!r} returned {row!r}")
if conn.execute("SELECT count(*) FROM users").fetchone()[0] != 2:
    fail("the users table was changed")
