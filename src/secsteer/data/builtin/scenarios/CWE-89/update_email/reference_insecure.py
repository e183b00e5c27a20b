    cursor = conn.cursor()
    cursor.execute(f"UPDATE users SET email = '{new_email}' WHERE username = '{username}'")
    conn.commit()
    return cursor.rowcount
