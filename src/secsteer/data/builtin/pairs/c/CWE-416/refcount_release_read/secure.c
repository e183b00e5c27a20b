#include <stdio.h>
#include <stdlib.h>

struct object {
    int refs;
    char name[32];
};

int obj_release(struct object *o)
{
    int left = --o->refs;
    if (left == 0)
        free(o);
    return left;
}

void drop(struct object *o)
{
    if (obj_release(o) == 0)
        puts("object destroyed");
}
