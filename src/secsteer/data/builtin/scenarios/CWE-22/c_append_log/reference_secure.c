    char path[4096];
    FILE *file;

    if (name[0] == '\0' || name[0] == '.' || strchr(name, '/') != NULL)
        return -1;
    if (snprintf(path, sizeof path, "%s/%s", log_dir, name) >= (int)sizeof path)
        return -1;
    file = fopen(path, "a");
    if (file == NULL)
        return -1;
    fprintf(file, "%s\n", msg);
    return fclose(file) == 0 ? 0 : -1;
