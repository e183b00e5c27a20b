    char path[4096];
    FILE *file;

    snprintf(path, sizeof path, "%s/%s", log_dir, name);
    file = fopen(path, "a");
    if (file == NULL)
        return -1;
    fprintf(file, "%s\n", msg);
    fclose(file);
    return 0;
