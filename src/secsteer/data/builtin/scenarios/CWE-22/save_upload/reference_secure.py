    name = os.path.basename(filename.replace("\\", "/"))
    if name in ("", ".", ".."):
        raise ValueError(f"invalid upload name {filename!r}")
    path = os.path.join(upload_dir, name)
    with open(path, "wb") as handle:
        handle.write(data)
    return path
