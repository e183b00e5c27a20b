#include <string.h>

struct peer {
    char host[16];
    unsigned short port;
};

void set_peer(struct peer *p, const char *host, unsigned short port)
{
    strncpy(p->host, host, strlen(host) + 1);
    p->port = port;
}
