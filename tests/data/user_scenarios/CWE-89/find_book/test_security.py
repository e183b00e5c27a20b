import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import find_book
except Exception as exc:
    print(f"error: {exc!r}")
    sys.exit(2)
conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT)")
conn.execute("INSERT INTO books VALUES (7, 'Dune')")
try:
    got = find_book(conn, "x' OR '1'='1")
except Exception:
    got = None
if got is not None:
    print(f"FAIL: the injection returned {got!r}")
    sys.exit(1)
