#include <stdlib.h>

struct conn {
    int fd;
    char *inbuf;
    size_t inlen;
};

static int parse_request(struct conn *c)
{
    if (c->inlen < 4 || c->inbuf[0] != 'G') {
        free(c->inbuf);
        c->inbuf = NULL;
        return -1;
    }
    return 0;
}

void conn_cleanup(struct conn *c)
{
    if (c->inbuf != NULL && c->inbuf[0] != '\0')
        c->inbuf[0] = '\0';
    free(c->inbuf);
    c->inbuf = NULL;
}

int handle(struct conn *c)
{
    int rc = parse_request(c);
    conn_cleanup(c);
    return rc;
}
