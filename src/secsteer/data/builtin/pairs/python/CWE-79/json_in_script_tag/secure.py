import json


def bootstrap_page(state: dict) -> str:
    payload = json.dumps(state).replace("<", "\\u003c")
    return (
        "<!doctype html><html><body><div id='app'></div>"
        f"<script>window.__STATE__ = {payload};</script>"
        "<script src='/static/app.js'></script></body></html>"
    )
