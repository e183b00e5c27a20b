    char command[1024];
    FILE *pipe;
    long words = -1;

    sprintf(command, "wc -w < %s", path);
    pipe = popen(command, "r");
    if (pipe == NULL)
        return -1;
    if (fscanf(pipe, "%ld", &words) != 1)
        words = -1;
    pclose(pipe);
    return words;
