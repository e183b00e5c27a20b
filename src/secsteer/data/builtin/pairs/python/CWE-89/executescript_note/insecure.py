import sqlite3


def save_note(conn: sqlite3.Connection, author_id: int, body: str) -> None:
    conn.executescript(
        "INSERT INTO notes(author_id, body) VALUES (" + str(author_id) + ", '" + body + "');"
    )
    conn.commit()
