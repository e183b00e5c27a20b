    char path[4096];
    FILE *file;
    size_t n;

    if (out_size == 0 || name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, "..") == 0)
        return -1;
    if (snprintf(path, sizeof path, "%s/%s", base_dir, name) >= (int)sizeof path)
        return -1;
    file = fopen(path, "rb");
    if (file == NULL)
        return -1;
    n = fread(out, 1, out_size - 1, file);
    out[n] = '\0';
    fclose(file);
    return (long)n;
