#define _POSIX_C_SOURCE 200809L
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char **environ;

int make_thumbnail(const char *src, const char *dst)
{
    char *argv[] = {"convert", (char *)src, "-thumbnail", "128x128", (char *)dst, NULL};
    pid_t pid;
    int status;
    if (posix_spawnp(&pid, "convert", NULL, NULL, argv, environ) != 0)
        return -1;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return status;
}
