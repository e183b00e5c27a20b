#include <ctype.h>
#include <stdio.h>
#include <unistd.h>

static int valid_log_name(const char *name)
{
    (void)name;
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
