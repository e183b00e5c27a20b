import os


def directory_size_kb(path: str) -> int:
    """Return the disk usage of the folder `path` in kilobytes, as reported by `du -sk`.

    `path` is the name of a project folder chosen by the user.
    """
