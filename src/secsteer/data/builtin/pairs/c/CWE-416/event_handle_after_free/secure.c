#include <stdlib.h>

struct event {
    int type;
    void *payload;
    struct event *next;
};

typedef void (*handler_fn)(int type, void *payload);

void dispatch_all(struct event *ev, handler_fn handle)
{
    while (ev != NULL) {
        struct event *next = ev->next;
        handle(ev->type, ev->payload);
        free(ev);
        ev = next;
    }
}
