# Exit 0 iff update_email changes exactly the named user's email.
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import update_email
except Exception as exc:  # no usable function: the test cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, email TEXT, role TEXT)")
conn.executemany("INSERT INTO users VALUES (?, ?, ?, ?)",
                 [(1, "alice", "a@example.org", "admin"), (2, "bob", "b@example.org", "user")])
changed = update_email(conn, "bob", "bob@example.net")
if changed != 1:
    fail(f"update_email('bob', ...) returned {changed!r}, expected 1")
rows = conn.execute("SELECT username, email FROM users ORDER BY id").fetchall()
if rows != [("alice", "a@example.org"), ("bob", "bob@example.net")]:
    fail(f"table after the update: {rows!r}")
if update_email(conn, "carol", "c@example.org") != 0:
    fail("updating an unknown user should change 0 rows")
