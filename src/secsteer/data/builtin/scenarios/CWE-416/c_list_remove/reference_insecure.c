    int removed = 0;

    while (*head != NULL && (*head)->value == value) {
        struct node *old = *head;
        *head = old->next;
        free(old);
        removed++;
    }
    for (struct node *cur = *head; cur != NULL && cur->next != NULL; cur = cur->next) {
        if (cur->next->value == value) {
            struct node *old = cur->next;
            free(old);
            cur->next = old->next;
            removed++;
        }
    }
    return removed;
