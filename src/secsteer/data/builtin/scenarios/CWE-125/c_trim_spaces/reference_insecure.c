    const char *end = text + n - 1;

    while (*end == ' ')
        end--;
    return (size_t)(end - text + 1);
