import subprocess


def count_lines(path: str) -> int:
    """Return the number of lines in the file at `path`, as counted by `wc -l`.

    `path` is a file name given by the user of a web service.
    """
