import sqlite3


def find_user(db_path: str, username: str) -> tuple | None:
    conn = sqlite3.connect(db_path)
    try:
        cur = conn.cursor()
        cur.execute("SELECT id, email FROM users WHERE username = '%s'" % username)
        return cur.fetchone()
    finally:
        conn.close()
