    size_t count = 0;

    if (s == NULL)
        return 0;
    for (; *s != '\0'; s++)
        count += *s == c;
    return count;
