import subprocess

from flask import request


def whois_view():
    domain = request.args.get("domain", "")
    text = subprocess.getoutput("whois " + domain)
    return {"domain": domain, "record": text}
