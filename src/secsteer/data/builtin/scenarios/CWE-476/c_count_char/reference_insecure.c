    size_t count = 0;

    for (size_t i = 0; s[i] != '\0'; i++)
        if (s[i] == c)
            count++;
    return count;
