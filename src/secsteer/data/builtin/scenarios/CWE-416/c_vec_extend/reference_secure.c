    size_t need = v->len + n;

    if (need < v->len)
        return -1;
    if (need > v->cap) {
        size_t cap = v->cap ? v->cap : 4;
        /* src may lie inside the block that realloc frees: keep its offset */
        int inside = v->len > 0 && src >= v->data && src < v->data + v->len;
        size_t offset = inside ? (size_t)(src - v->data) : 0;
        int *data;

        while (cap < need)
            cap *= 2;
        data = realloc(v->data, cap * sizeof *data);
        if (data == NULL)
            return -1;
        v->data = data;
        v->cap = cap;
        if (inside)
            src = data + offset;
    }
    memmove(v->data + v->len, src, n * sizeof *src);
    v->len = need;
    return 0;
