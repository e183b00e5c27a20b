import sqlite3


def get_user(conn: sqlite3.Connection, username: str) -> tuple[int, str, str] | None:
    """Return the (id, username, email) row of the user called `username`, or None.

    The table is users(id INTEGER PRIMARY KEY, username TEXT, email TEXT).
    """
