import sqlite3


def save_note(conn: sqlite3.Connection, author_id: int, body: str) -> None:
    conn.execute(
        "INSERT INTO notes(author_id, body) VALUES (?, ?)", (author_id, body)
    )
    conn.commit()
