import os
import subprocess


def is_reachable(host: str) -> bool:
    status = os.system("ping -c 1 -W 2 " + host + " > /dev/null 2>&1")
    return status == 0
