    size_t len = strlen(s);
    char *out = malloc(len * times + 1);

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < times; i++)
        memcpy(out + i * len, s, len);
    out[len * times] = '\0';
    return out;
