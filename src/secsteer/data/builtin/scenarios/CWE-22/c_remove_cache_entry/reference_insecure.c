    char path[4096];

    snprintf(path, sizeof path, "%s/%s", cache_dir, key);
    if (unlink(path) != 0)
        return -1;
    return 0;
