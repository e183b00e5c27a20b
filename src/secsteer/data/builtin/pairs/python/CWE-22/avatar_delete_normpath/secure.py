import os

AVATARS = "/srv/media/avatars"


def delete_avatar(key: str) -> bool:
    path = os.path.normpath(os.path.join(AVATARS, key))
    if not path.startswith(AVATARS + os.sep):
        return False
    if not os.path.exists(path):
        return False
    os.remove(path)
    return True
