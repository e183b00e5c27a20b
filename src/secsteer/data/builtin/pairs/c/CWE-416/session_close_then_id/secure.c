#include <stdio.h>
#include <stdlib.h>

struct session {
    unsigned long id;
    int user;
};

void session_close(struct session *s)
{
    free(s);
}

void logout(struct session *s, FILE *audit)
{
    unsigned long id = s->id;
    session_close(s);
    fprintf(audit, "session %lu closed\n", id);
}
