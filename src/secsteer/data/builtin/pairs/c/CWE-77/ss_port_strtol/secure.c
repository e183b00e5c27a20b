#include <stdio.h>
#include <stdlib.h>

int show_listeners(const char *port_text)
{
    char cmd[128];
    char *end;
    long port = strtol(port_text, &end, 10);
    if (end == port_text || *end != '\0' || port < 1 || port > 65535)
        return -1;
    snprintf(cmd, sizeof(cmd), "ss -ltn 'sport = :%ld'", port);
    return system(cmd);
}
