/* Exit 0 iff user_age finds the ages of known users. */
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
    CHECK(user_age("ann") == 31);
    CHECK(user_age("eve") == 27);
    return failures != 0;
}
