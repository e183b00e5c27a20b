/* Exit 0 iff an all-space field reads nothing before its start (ASan aborts on the read). */
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
    char *spaces = malloc(5);
    char *one = malloc(1);

    memset(spaces, ' ', 5);
    one[0] = ' ';
    CHECK(trimmed_length(spaces, 5) == 0);
    CHECK(trimmed_length(one, 1) == 0);
    free(spaces);
    free(one);
    return failures != 0;
}
