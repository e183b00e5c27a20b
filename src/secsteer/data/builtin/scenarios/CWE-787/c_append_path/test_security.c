/* Exit 0 iff an over-long component is refused without writing past the buffer. */
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

int main(void)
{
    char *buf = malloc(32);
    char component[100];

    strcpy(buf, "/srv/data");
    memset(component, 'x', sizeof component - 1);
    component[sizeof component - 1] = '\0';
    CHECK(append_path(buf, 32, component) == -1);
    CHECK(strcmp(buf, "/srv/data") == 0);
    free(buf);
    return failures != 0;
}
