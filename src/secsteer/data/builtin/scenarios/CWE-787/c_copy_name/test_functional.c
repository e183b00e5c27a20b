/* Exit 0 iff copy_name copies a name that fits. */
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
    char *dst = malloc(16);

    copy_name(dst, 16, "alice");
    CHECK(strcmp(dst, "alice") == 0);
    free(dst);
    return failures != 0;
}
