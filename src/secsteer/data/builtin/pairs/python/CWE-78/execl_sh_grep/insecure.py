import os


def exec_search(pattern: str, logfile: str = "/var/log/syslog") -> None:
    os.execl("/bin/sh", "sh", "-c", "grep -n " + pattern + " " + logfile)
