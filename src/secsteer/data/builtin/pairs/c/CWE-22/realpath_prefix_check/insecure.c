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
    strcpy(resolved, joined);
    return fopen(resolved, "r");
}
