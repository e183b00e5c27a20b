import os

from flask import request


def view_log():
    name = request.args["name"]
    with open("/var/log/app/" + name, encoding="utf-8", errors="replace") as fh:
        lines = fh.readlines()[-200:]
    return "<pre>" + "".join(lines) + "</pre>"
