import os


def save_upload(upload_dir: str, filename: str, data: bytes) -> str:
    """Write `data` to a file called `filename` in `upload_dir`; return the file's path.

    `filename` is the name the client sent with the upload, e.g. "photo.png".
    """
