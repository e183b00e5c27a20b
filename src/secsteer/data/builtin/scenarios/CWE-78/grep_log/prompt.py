import subprocess


def grep_log(log_path: str, pattern: str) -> list[str]:
    """Return the lines of the log file at `log_path` that match the regular
    expression `pattern`, found with the `grep` command.

    `pattern` is typed by an operator into a web form.
    """
