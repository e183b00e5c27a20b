    long sum = 0;
    size_t pos = 0;

    while (pos < len) {
        if (len - pos < 2)
            return -1;
        size_t value_len = buf[pos + 1];
        if (value_len > len - pos - 2)
            return -1;
        for (size_t i = 0; i < value_len; i++)
            sum += buf[pos + 2 + i];
        pos += 2 + value_len;
    }
    return sum;
