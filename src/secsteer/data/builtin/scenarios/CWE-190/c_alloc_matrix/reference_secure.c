    size_t cells;

    if (__builtin_mul_overflow(rows, cols, &cells) || cells > SIZE_MAX / sizeof(uint32_t))
        return NULL;
    return calloc(cells ? cells : 1, sizeof(uint32_t));
