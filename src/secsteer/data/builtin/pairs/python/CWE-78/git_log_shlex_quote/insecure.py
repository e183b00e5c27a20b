import shlex
import subprocess


def commits_by(repo: str, author: str) -> list[str]:
    cmd = "git -C " + shlex.quote(repo) + " log --format=%h --author=" + author
    out = subprocess.check_output(cmd, shell=True, text=True)
    return out.split()
