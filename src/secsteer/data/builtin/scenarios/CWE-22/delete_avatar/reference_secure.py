    folder = os.path.realpath(avatar_dir)
    path = os.path.realpath(os.path.join(folder, f"{username}.png"))
    if os.path.dirname(path) != folder:
        raise ValueError(f"invalid user name {username!r}")
    if not os.path.isfile(path):
        return False
    os.remove(path)
    return True
