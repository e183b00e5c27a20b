    (void)dst_size;
    strcpy(dst, src);
