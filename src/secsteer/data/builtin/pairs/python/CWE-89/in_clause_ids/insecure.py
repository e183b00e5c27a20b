def fetch_tags(conn, tag_ids):
    if not tag_ids:
        return []
    id_list = ", ".join(str(t) for t in tag_ids)
    query = f"SELECT id, label FROM tags WHERE id IN ({id_list})"
    return conn.execute(query).fetchall()
