    const char *home = getenv("HOME");
    int written;

    if (home == NULL)
        home = "/tmp";
    written = snprintf(out, out_size, "%s/%s", home, file);
    return written < 0 || (size_t)written >= out_size ? -1 : 0;
