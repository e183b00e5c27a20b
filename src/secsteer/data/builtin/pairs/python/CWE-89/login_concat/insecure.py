import hashlib

from flask import request, session


def login(db):
    email = request.form["email"]
    digest = hashlib.sha256(request.form["password"].encode()).hexdigest()
    query = "SELECT id FROM accounts WHERE email = '" + email + "' AND pw_hash = '" + digest + "'"
    row = db.execute(query).fetchone()
    if row is None:
        return "invalid credentials", 401
    session["account_id"] = row[0]
    return "ok"
