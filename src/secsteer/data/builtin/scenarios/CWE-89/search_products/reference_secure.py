    rows = conn.execute(
        "SELECT name FROM products WHERE name LIKE ? ORDER BY name", (f"%{term}%",)
    ).fetchall()
    return [name for (name,) in rows]
