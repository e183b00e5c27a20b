    int removed = 0;
    struct node **link = head;

    while (*link != NULL) {
        struct node *current = *link;
        if (current->value == value) {
            *link = current->next;
            free(current);
            removed++;
        } else {
            link = &current->next;
        }
    }
    return removed;
