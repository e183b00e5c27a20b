#include <stdint.h>
#include <stdlib.h>

struct vec {
    long *items;
    size_t len;
    size_t cap;
};

int vec_push(struct vec *v, long value)
{
    if (v->len == v->cap) {
        if (v->cap > SIZE_MAX / 2 / sizeof(long))
            return -1;
        size_t new_cap = v->cap ? v->cap * 2 : 16;
        long *grown = realloc(v->items, new_cap * sizeof(long));
        if (grown == NULL)
            return -1;
        v->items = grown;
        v->cap = new_cap;
    }
    v->items[v->len++] = value;
    return 0;
}
