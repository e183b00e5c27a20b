def orders_for_customer(conn, customer_id, status):
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT id, total, created_at FROM orders "
            f"WHERE customer_id = {customer_id} AND status = '{status}' ORDER BY created_at DESC"
        )
        return cursor.fetchall()
