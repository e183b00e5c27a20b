# Exit 0 iff injection payloads neither leak the secrets table nor widen the search.
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
try:
    from solution import search_products
except Exception as exc:  # no usable function: the attack cannot run
    print(f"error: {exc!r}")
    sys.exit(2)


def fail(message: str) -> None:
    print(f"FAIL: {message}")
    sys.exit(1)


conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT, price REAL)")
conn.execute("CREATE TABLE secrets (password TEXT)")
conn.executemany("INSERT INTO products (name, price) VALUES (?, ?)", [("apple", 1.0), ("pear", 2.0)])
conn.execute("INSERT INTO secrets VALUES ('hunter2')")
payloads = ["zzz%' UNION SELECT password FROM secrets --", "%' OR 1=1 --", "' OR name <> '"]
for payload in payloads:
    try:
        got = list(search_products(conn, payload))
    except Exception:
        got = []
    if got:
        fail(f"payload {payload!r} returned {got!r}")
