    with open(os.path.join(base_dir, filename), encoding="utf-8") as handle:
        return handle.read()
