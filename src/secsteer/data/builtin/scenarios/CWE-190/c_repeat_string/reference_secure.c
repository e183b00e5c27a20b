    size_t len = strlen(s);
    char *out;

    if (len != 0 && times > (SIZE_MAX - 1) / len)
        return NULL;
    out = malloc(len * times + 1);
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < times; i++)
        memcpy(out + i * len, s, len);
    out[len * times] = '\0';
    return out;
