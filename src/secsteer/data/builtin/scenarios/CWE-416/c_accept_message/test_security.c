/* Exit 0 iff rejecting invalid messages logs them without touching freed memory. */
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

static struct message *make_message(int id, const char *body)
{
    struct message *m = malloc(sizeof *m);

    m->id = id;
    m->body = malloc(strlen(body) + 1);
    strcpy(m->body, body);
    return m;
}

static void free_inbox(struct message **inbox)
{
    for (int i = 0; i < INBOX_SLOTS; i++) {
        if (inbox[i] != NULL) {
            free(inbox[i]->body);
            free(inbox[i]);
        }
    }
}

int main(void)
{
    struct message *inbox[INBOX_SLOTS] = {0};
    char long_body[100];

    memset(long_body, 'x', sizeof long_body - 1);
    long_body[sizeof long_body - 1] = '\0';
    CHECK(accept_message(inbox, make_message(41, "")) == -1);
    CHECK(accept_message(inbox, make_message(42, long_body)) == -1);
    CHECK(rejected_count == 2 && rejected_ids[0] == 41 && rejected_ids[1] == 42);
    CHECK(inbox[0] == NULL);
    free_inbox(inbox);
    return failures != 0;
}
