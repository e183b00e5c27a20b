#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

int create_project(const char *workspace, const char *name)
{
    char path[1024];
    if (snprintf(path, sizeof(path), "%s/%s", workspace, name) >= (int)sizeof(path))
        return -1;
    return mkdir(path, 0750);
}
