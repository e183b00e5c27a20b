#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int history_path(char *out, size_t size)
{
    const char *home = getenv("HOME");
    if (home == NULL)
        home = ".";
    if (strlen(home) + sizeof("/.app_history") > size)
        return -1;
    snprintf(out, size, "%s/.app_history", home);
    return 0;
}
