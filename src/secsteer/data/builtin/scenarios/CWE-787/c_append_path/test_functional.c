/* Exit 0 iff append_path appends a component that fits. */
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
    char *buf = malloc(64);

    strcpy(buf, "/srv/data");
    CHECK(append_path(buf, 64, "file.txt") == 0);
    CHECK(strcmp(buf, "/srv/data/file.txt") == 0);
    free(buf);
    return failures != 0;
}
