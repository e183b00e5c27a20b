from flask import make_response, request
from markupsafe import escape


def missing_page():
    page = request.args.get("page", "")
    resp = make_response("<h2>Page not found: " + escape(page) + "</h2>", 404)
    resp.headers["Content-Type"] = "text/html"
    return resp
