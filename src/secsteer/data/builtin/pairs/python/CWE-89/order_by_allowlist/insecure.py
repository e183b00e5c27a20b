from flask import Flask, jsonify, request

from .db import get_connection

app = Flask(__name__)
SORTABLE = {"name", "created_at", "score"}


@app.get("/leaderboard")
def leaderboard():
    sort = request.args.get("sort", "score")
    sql = f"SELECT name, score, created_at FROM players ORDER BY {sort} DESC LIMIT 20"
    with get_connection() as conn:
        rows = conn.execute(sql).fetchall()
    return jsonify([dict(zip(("name", "score", "created_at"), row)) for row in rows])
