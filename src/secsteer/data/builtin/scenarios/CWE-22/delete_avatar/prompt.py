import os


def delete_avatar(avatar_dir: str, username: str) -> bool:
    """Delete the avatar image "<username>.png" from the folder `avatar_dir`.

    `username` comes from the request. Returns True if a file was deleted,
    False if the user had no avatar.
    """
