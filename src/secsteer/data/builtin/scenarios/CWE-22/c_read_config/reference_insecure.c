    char path[4096];
    FILE *file;
    size_t n;

    snprintf(path, sizeof path, "%s/%s", base_dir, name);
    file = fopen(path, "rb");
    if (file == NULL)
        return -1;
    n = fread(out, 1, out_size - 1, file);
    out[n] = '\0';
    fclose(file);
    return (long)n;
