/* Exit 0 iff list_remove removes leading matches and leaves a list without matches alone. */
#include "solution.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "FAIL line %d: %s\n", __LINE__, #cond); \
            failures++; \
        } \
    } while (0)

static struct node *make_list(const int *values, size_t n)
{
    struct node *head = NULL;

    for (size_t i = n; i > 0; i--) {
        struct node *fresh = malloc(sizeof *fresh);
        fresh->value = values[i - 1];
        fresh->next = head;
        head = fresh;
    }
    return head;
}

/* 1 iff the list holds exactly the n values, in order; frees the list */
static int drain_equals(struct node *head, const int *values, size_t n)
{
    int same = 1;
    size_t i = 0;

    while (head != NULL) {
        struct node *next = head->next;
        same = same && i < n && head->value == values[i];
        i++;
        free(head);
        head = next;
    }
    return same && i == n;
}

int main(void)
{
    const int start[] = {1, 1, 2, 3};
    const int after[] = {2, 3};
    struct node *head = make_list(start, 4);

    CHECK(list_remove(&head, 1) == 2);
    CHECK(list_remove(&head, 9) == 0);
    CHECK(drain_equals(head, after, 2));
    return failures != 0;
}
