#include <stdio.h>
#include <stdlib.h>

int show_listeners(const char *port_text)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "ss -ltn 'sport = :%s'", port_text);
    return system(cmd);
}
