def orders_for_customer(conn, customer_id, status):
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT id, total, created_at FROM orders "
            "WHERE customer_id = %s AND status = %s ORDER BY created_at DESC",
            (customer_id, status),
        )
        return cursor.fetchall()
