#include <stdlib.h>

struct node {
    int value;
    struct node *next;
};

/*
 * Remove every node holding `value` from the singly linked list *head and free it.
 * Returns the number of nodes removed.
 */
int list_remove(struct node **head, int value)
{
