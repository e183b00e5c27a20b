/* Exit 0 iff a missing (NULL) field counts as zero instead of crashing. */
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
    CHECK(count_char(NULL, 'a') == 0);
    return failures != 0;
}
