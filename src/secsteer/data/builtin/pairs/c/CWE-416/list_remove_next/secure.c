#include <stdlib.h>

struct node {
    int key;
    struct node *next;
};

void remove_matching(struct node **head, int key)
{
    struct node **link = head;
    struct node *node = *head;
    while (node != NULL) {
        if (node->key == key) {
            struct node *next = node->next;
            *link = next;
            free(node);
            node = next;
        } else {
            link = &node->next;
            node = node->next;
        }
    }
}
