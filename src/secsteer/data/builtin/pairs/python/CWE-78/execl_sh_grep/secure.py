import os


def exec_search(pattern: str, logfile: str = "/var/log/syslog") -> None:
    os.execvp("grep", ["grep", "-n", "--", pattern, logfile])
