import os
import subprocess


def is_reachable(host: str) -> bool:
    result = subprocess.run(["ping", "-c", "1", "-W", "2", host], capture_output=True)
    return result.returncode == 0
