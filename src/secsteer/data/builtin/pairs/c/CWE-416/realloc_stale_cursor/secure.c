#include <stdlib.h>
#include <string.h>

struct builder {
    char *buf;
    size_t cap;
    size_t used;
};

int builder_append(struct builder *b, const char *text)
{
    size_t n = strlen(text);
    char *cursor = b->buf + b->used;
    if (b->used + n + 1 > b->cap) {
        char *bigger = realloc(b->buf, (b->used + n + 1) * 2);
        if (bigger == NULL)
            return -1;
        b->buf = bigger;
        b->cap = (b->used + n + 1) * 2;
        cursor = b->buf + b->used;
    }
    memcpy(cursor, text, n + 1);
    b->used += n;
    return 0;
}
