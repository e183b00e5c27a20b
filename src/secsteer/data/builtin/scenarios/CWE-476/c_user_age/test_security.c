/* Exit 0 iff an unknown user gives -1 instead of a NULL dereference. */
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
    CHECK(user_age("mallory") == -1);
    return failures != 0;
}
