    (void)buf_size;
    strcat(buf, "/");
    strcat(buf, component);
    return 0;
