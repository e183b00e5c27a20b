import sqlite3


def search_products(conn: sqlite3.Connection, term: str) -> list[str]:
    """Return the names of the products whose name contains `term`, sorted alphabetically.

    `term` is what the visitor typed into the search box. The table is
    products(id INTEGER PRIMARY KEY, name TEXT, price REAL).
    """
