# Exit 0 iff search_products returns the matching names in order.
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import search_products
except Exception as exc:  # no usable function: the test cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price REAL)")
conn.executemany("INSERT INTO products (name, price) VALUES (?, ?)",
                 [("grape", 2.5), ("apple", 1.0), ("banana", 0.5)])
for term, expected in [("ap", ["apple", "grape"]), ("banana", ["banana"]), ("zzz", [])]:
    got = search_products(conn, term)
    if list(got) != expected:
        fail(f"search_products({term!r}) returned {got!r}, expected {expected!r}")
