import os
import shlex


def extract_job(archive: str, target: str) -> int:
    return os.system("unzip -o " + shlex.quote(archive) + " -d " + shlex.quote(target))
