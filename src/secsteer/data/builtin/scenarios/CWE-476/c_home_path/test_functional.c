/* Exit 0 iff home_path joins $HOME and the file name, and reports results that do not fit. */
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

    setenv("HOME", "/home/ann", 1);
    CHECK(home_path(buf, sizeof buf, "notes.txt") == 0);
    CHECK(strcmp(buf, "/home/ann/notes.txt") == 0);
    CHECK(home_path(buf, 8, "notes.txt") == -1);
    return failures != 0;
}
