import subprocess

from flask import request


def whois_view():
    domain = request.args.get("domain", "")
    text = subprocess.run(["whois", domain], capture_output=True, text=True).stdout
    return {"domain": domain, "record": text}
