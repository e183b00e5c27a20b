#include <stdlib.h>

struct bytebuf {
    unsigned char *data;
    size_t len;
};

void bytebuf_free(struct bytebuf *b)
{
    if (b == NULL)
        return;
    free(b->data);
    free(b);
}

unsigned char *bytebuf_take(struct bytebuf *b, size_t *len)
{
    unsigned char *data = b->data;
    *len = b->len;
    b->data = NULL;
    bytebuf_free(b);
    return data;
}
