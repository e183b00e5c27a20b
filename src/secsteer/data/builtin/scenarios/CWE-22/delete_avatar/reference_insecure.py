    path = os.path.join(avatar_dir, username + ".png")
    if os.path.exists(path):
        os.remove(path)
        return True
    return False
