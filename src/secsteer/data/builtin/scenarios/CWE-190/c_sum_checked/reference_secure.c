    long long total = 0;

    for (size_t i = 0; i < n; i++) {
        total += v[i];
        if (total > INT_MAX || total < INT_MIN)
            return -1;
    }
    *out = (int)total;
    return 0;
