def fetch_tags(conn, tag_ids):
    if not tag_ids:
        return []
    placeholders = ", ".join("?" for _ in tag_ids)
    query = f"SELECT id, label FROM tags WHERE id IN ({placeholders})"
    return conn.execute(query, list(tag_ids)).fetchall()
