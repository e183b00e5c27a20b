#define _XOPEN_SOURCE 700
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_DIR "/etc/myservice/conf.d/"

FILE *open_include(const char *directive_arg)
{
    char joined[PATH_MAX];
    char resolved[PATH_MAX];
    snprintf(joined, sizeof(joined), CONFIG_DIR "%s", directive_arg);
    if (realpath(joined, resolved) == NULL || strncmp(resolved, CONFIG_DIR, strlen(CONFIG_DIR)) != 0)
        return NULL;
    return fopen(resolved, "r");
}
