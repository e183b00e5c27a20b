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
assert find_book(conn, "Dune") == 7, "FAIL: Dune not found"
assert find_book(conn, "Emma") is None, "FAIL: Emma found"
