import psycopg2


def update_bio(dsn: str, user_id: int, bio: str) -> int:
    with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
        cur.execute("UPDATE profiles SET bio = '%s', updated_at = now() WHERE user_id = %d" % (bio, user_id))
        return cur.rowcount
