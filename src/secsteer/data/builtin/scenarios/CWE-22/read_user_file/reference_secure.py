    base = os.path.realpath(base_dir)
    path = os.path.realpath(os.path.join(base, filename))
    if os.path.commonpath([base, path]) != base:
        raise ValueError(f"{filename!r} is outside {base_dir!r}")
    with open(path, encoding="utf-8") as handle:
        return handle.read()
