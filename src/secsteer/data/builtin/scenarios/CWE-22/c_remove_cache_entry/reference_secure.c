    char path[4096];

    if (key[0] == '\0')
        return -1;
    for (const char *p = key; *p != '\0'; p++) {
        int ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')
                 || *p == '_' || *p == '-';
        if (!ok)
            return -1;
    }
    if (snprintf(path, sizeof path, "%s/%s", cache_dir, key) >= (int)sizeof path)
        return -1;
    return unlink(path) == 0 ? 0 : -1;
