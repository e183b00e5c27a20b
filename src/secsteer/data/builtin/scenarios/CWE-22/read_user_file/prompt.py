import os


def read_user_file(base_dir: str, filename: str) -> str:
    """Return the text of the file `filename` inside the folder `base_dir`.

    `filename` comes from the HTTP request, e.g. "notes.txt" or "2024/report.txt".
    """
