/* Exit 0 iff accept_message stores valid messages and turns away messages to a full inbox. */
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

    for (int id = 1; id <= INBOX_SLOTS; id++)
        CHECK(accept_message(inbox, make_message(id, "hello")) == 0);
    CHECK(inbox[0] != NULL && inbox[0]->id == 1);
    CHECK(inbox[7] != NULL && inbox[7]->id == 8);
    CHECK(accept_message(inbox, make_message(9, "one too many")) == -1);
    free_inbox(inbox);
    return failures != 0;
}
