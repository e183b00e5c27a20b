    char command[1024];
    FILE *pipe;
    long words = -1;

    /* the name goes to the shell inside single quotes, so it must not contain one */
    if (strchr(path, '\'') != NULL)
        return -1;
    if (snprintf(command, sizeof command, "wc -w < '%s'", path) >= (int)sizeof command)
        return -1;
    pipe = popen(command, "r");
    if (pipe == NULL)
        return -1;
    if (fscanf(pipe, "%ld", &words) != 1)
        words = -1;
    if (pclose(pipe) != 0)
        return -1;
    return words;
