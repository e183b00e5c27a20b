    cursor = conn.execute("UPDATE users SET email = ? WHERE username = ?", (new_email, username))
    conn.commit()
    return cursor.rowcount
