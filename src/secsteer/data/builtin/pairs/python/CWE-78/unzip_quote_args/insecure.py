import os
import shlex


def extract_job(archive: str, target: str) -> int:
    return os.system("unzip -o " + archive + " -d " + target)
