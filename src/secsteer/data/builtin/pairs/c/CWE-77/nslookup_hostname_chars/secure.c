#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

static int hostname_ok(const char *host)
{
    if (host[0] == '\0' || host[0] == '-')
        return 0;
    for (; *host; host++) {
        if (!isalnum((unsigned char)*host) && *host != '.' && *host != '-')
            return 0;
    }
    return 1;
}

int lookup(const char *host)
{
    char cmd[300];
    if (!hostname_ok(host))
        return -1;
    snprintf(cmd, sizeof(cmd), "nslookup %s", host);
    return system(cmd);
}
