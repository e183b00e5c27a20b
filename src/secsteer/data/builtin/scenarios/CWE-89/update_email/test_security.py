# Exit 0 iff injection payloads change no role and no other user's email.
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import update_email
except Exception as exc:  # no usable function: the attack cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, username TEXT, email TEXT, role TEXT)")
conn.executemany("INSERT INTO users VALUES (?, ?, ?, ?)",
                 [(1, "alice", "a@example.org", "admin"), (2, "bob", "b@example.org", "user")])
attacks = [("bob", "x@example.org', role = 'admin"), ("nobody' OR '1'='1", "owned@example.org")]
for username, email in attacks:
    try:
        update_email(conn, username, email)
    except Exception:
        pass
rows = conn.execute("SELECT username, role FROM users ORDER BY id").fetchall()
if rows != [("alice", "admin"), ("bob", "user")]:
    fail(f"roles changed: {rows!r}")
if conn.execute("SELECT email FROM users WHERE username = 'alice'").fetchone()[0] != "a@example.org":
    fail("another user's email changed")
