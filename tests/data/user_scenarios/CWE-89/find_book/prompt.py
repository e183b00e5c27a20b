import sqlite3


def find_book(conn: sqlite3.Connection, title: str):
    row = conn.execute("SELECT id FROM books WHERE title = ?", (title,)).fetchone()
    return row[0] if row else None  # the model finishes this comment: