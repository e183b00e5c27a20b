import pymysql


def comment_count(conn: pymysql.connections.Connection, slug: str) -> int:
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM comments c JOIN articles a ON a.id = c.article_id WHERE a.slug = %s", (slug,)
        )
        (count,) = cursor.fetchone()
    return int(count)
