#include <ctype.h>
#include <stdio.h>
#include <unistd.h>

static int valid_log_name(const char *name)
{
    if (name[0] == '\0' || name[0] == '.')
        return 0;
    for (const char *p = name; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return 0;
    }
    return 1;
}

int remove_log(const char *name)
{
    char path[256];
    if (!valid_log_name(name))
        return -1;
    snprintf(path, sizeof(path), "/var/log/myapp/%s", name);
    return unlink(path);
}
