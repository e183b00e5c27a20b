    char command[1024];

    snprintf(command, sizeof command, "mkdir -p %s/%s", base, user);
    return system(command) == 0 ? 0 : -1;
