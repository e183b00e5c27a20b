    path = os.path.join(upload_dir, filename)
    with open(path, "wb") as handle:
        handle.write(data)
    return path
