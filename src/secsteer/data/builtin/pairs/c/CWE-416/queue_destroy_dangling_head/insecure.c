#include <stdlib.h>

struct qnode {
    void *item;
    struct qnode *next;
};

struct queue {
    struct qnode *head;
    struct qnode *tail;
};

void queue_clear(struct queue *q)
{
    struct qnode *n = q->head;
    while (n != NULL) {
        struct qnode *next = n->next;
        free(n);
        n = next;
    }
}
