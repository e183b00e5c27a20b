    const char *home = getenv("HOME");
    size_t need = strlen(home) + 1 + strlen(file) + 1;

    if (need > out_size)
        return -1;
    strcpy(out, home);
    strcat(out, "/");
    strcat(out, file);
    return 0;
