    char command[1024];

    snprintf(command, sizeof command, "cp -p %s %s", src, dst);
    if (system(command) != 0)
        return -1;
    return 0;
