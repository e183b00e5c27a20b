    if ((size_t)index > count)
        return -1;
    *out = values[index];
    return 0;
