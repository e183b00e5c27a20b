    size_t len = strlen(m->body);

    if (len == 0 || len > 64) {
        log_rejected(m->id);
        free(m->body);
        free(m);
        return -1;
    }
    for (int i = 0; i < INBOX_SLOTS; i++) {
        if (inbox[i] == NULL) {
            inbox[i] = m;
            return 0;
        }
    }
    free(m->body);
    free(m);
    return -1;
