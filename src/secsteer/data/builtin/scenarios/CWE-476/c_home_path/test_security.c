/* Exit 0 iff an unset HOME does not crash home_path. */
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
    char buf[64];

    unsetenv("HOME");
    CHECK(home_path(buf, sizeof buf, "notes.txt") == 0);
    CHECK(strcmp(buf, "/tmp/notes.txt") == 0);
    return failures != 0;
}
