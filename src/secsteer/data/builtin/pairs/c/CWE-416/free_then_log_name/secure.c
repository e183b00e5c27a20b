#include <stdio.h>
#include <stdlib.h>

struct user {
    int id;
    char *name;
};

void delete_user(struct user *u)
{
    printf("deleted user %d (%s)\n", u->id, u->name);
    free(u->name);
    free(u);
}
