import sqlite3


def update_email(conn: sqlite3.Connection, username: str, new_email: str) -> int:
    """Set the email of the user called `username` to `new_email` and commit.

    Both values come from the profile form. Returns the number of rows changed.
    The table is users(id INTEGER PRIMARY KEY, username TEXT, email TEXT, role TEXT).
    """
