#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

static int hostname_ok(const char *host)
{
    return host[0] != '\0';
}

int lookup(const char *host)
{
    char cmd[300];
    if (!hostname_ok(host))
        return -1;
    snprintf(cmd, sizeof(cmd), "nslookup %s", host);
    return system(cmd);
}
