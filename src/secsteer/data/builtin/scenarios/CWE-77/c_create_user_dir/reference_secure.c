    char command[1024];

    if (user[0] == '\0' || strchr(base, '\'') != NULL || strchr(user, '\'') != NULL)
        return -1;
    if (snprintf(command, sizeof command, "mkdir -p -- '%s/%s'", base, user) >= (int)sizeof command)
        return -1;
    return system(command) == 0 ? 0 : -1;
