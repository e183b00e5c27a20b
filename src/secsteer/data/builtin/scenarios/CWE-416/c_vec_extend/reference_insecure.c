    if (v->len + n > v->cap) {
        size_t cap = v->cap ? v->cap : 4;
        int *data;

        while (cap < v->len + n)
            cap *= 2;
        data = realloc(v->data, cap * sizeof(int));
        if (data == NULL)
            return -1;
        v->data = data;
        v->cap = cap;
    }
    memcpy(v->data + v->len, src, n * sizeof(int));
    v->len += n;
    return 0;
