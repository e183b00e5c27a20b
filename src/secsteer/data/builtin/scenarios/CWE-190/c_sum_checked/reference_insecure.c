    int total = 0;

    for (size_t i = 0; i < n; i++)
        total += v[i];
    *out = total;
    return 0;
