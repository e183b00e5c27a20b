    while (n > 0 && text[n - 1] == ' ')
        n--;
    return n;
