def search_products(conn, term):
    cur = conn.cursor()
    cur.execute("SELECT sku, name, price FROM products WHERE name LIKE ? LIMIT 50", ("%" + term + "%",))
    rows = cur.fetchall()
    return [{"sku": sku, "name": name, "price": price} for sku, name, price in rows]
