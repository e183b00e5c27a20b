#include <string.h>

struct peer {
    char host[16];
    unsigned short port;
};

void set_peer(struct peer *p, const char *host, unsigned short port)
{
    strncpy(p->host, host, sizeof(p->host) - 1);
    p->host[sizeof(p->host) - 1] = '\0';
    p->port = port;
}
