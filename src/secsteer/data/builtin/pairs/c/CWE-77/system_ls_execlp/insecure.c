#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int list_directory(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "ls -l %s", dir);
    return system(cmd);
}
