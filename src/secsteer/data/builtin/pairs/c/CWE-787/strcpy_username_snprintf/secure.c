#include <stdio.h>
#include <string.h>

struct session {
    char username[32];
    int uid;
};

void session_init(struct session *s, const char *username, int uid)
{
    snprintf(s->username, sizeof(s->username), "%s", username);
    s->uid = uid;
}
