/* Exit 0 iff an over-long name is truncated inside the buffer (ASan aborts on an overflow). */
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
    char *dst = malloc(8);
    char long_name[200];

    memset(long_name, 'A', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    copy_name(dst, 8, long_name);
    CHECK(memchr(dst, '\0', 8) != NULL);
    free(dst);
    return failures != 0;
}
