    query = f"SELECT name FROM products WHERE name LIKE '%{term}%' ORDER BY name"
    return [row[0] for row in conn.execute(query).fetchall()]
