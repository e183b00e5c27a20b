#include <stdlib.h>
#include <string.h>

#define INBOX_SLOTS 8

struct message {
    int id;
    char *body;
};

static int rejected_ids[16];
static int rejected_count;

/* Record that the message `id` was rejected. */
static void log_rejected(int id)
{
    if (rejected_count < 16)
        rejected_ids[rejected_count++] = id;
}

/*
 * Take ownership of `m` (allocated with malloc, and so is m->body).
 * An invalid message (empty body, or body longer than 64 bytes) is logged with
 * log_rejected(m->id), freed, and -1 is returned. A valid message goes into the
 * first free (NULL) slot of `inbox` (INBOX_SLOTS slots) and 0 is returned; if the
 * inbox is full the message is freed and -1 is returned.
 */
int accept_message(struct message **inbox, struct message *m)
{
