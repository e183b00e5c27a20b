import os
import subprocess


def resolve(domain):
    output = os.popen("nslookup " + domain).read()
    return [line.split()[-1] for line in output.splitlines() if line.startswith("Address:")]
