import os
import subprocess


def resolve(domain):
    output = subprocess.run(["nslookup", domain], capture_output=True, text=True).stdout
    return [line.split()[-1] for line in output.splitlines() if line.startswith("Address:")]
