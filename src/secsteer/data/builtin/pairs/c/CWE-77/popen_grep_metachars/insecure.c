#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

FILE *search_logs(const char *pattern)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "grep -n '%s' /var/log/app.log", pattern);
    return popen(cmd, "r");
}
