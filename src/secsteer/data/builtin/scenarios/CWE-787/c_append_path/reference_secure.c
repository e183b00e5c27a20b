    size_t used = strlen(buf);
    size_t extra = strlen(component);

    if (used + 1 + extra + 1 > buf_size)
        return -1;
    buf[used] = '/';
    memcpy(buf + used + 1, component, extra + 1);
    return 0;
