#define _XOPEN_SOURCE 700
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char storage_root[] = "/srv/storage";

FILE *open_download(const char *relative)
{
    char joined[PATH_MAX];
    char resolved[PATH_MAX];
    if (snprintf(joined, sizeof(joined), "%s/%s", storage_root, relative) >= (int)sizeof(joined))
        return NULL;
    if (realpath(joined, resolved) == NULL)
        return NULL;
    if (strncmp(resolved, storage_root, strlen(storage_root)) != 0 || resolved[strlen(storage_root)] != '/')
        return NULL;
    return fopen(resolved, "r");
}
