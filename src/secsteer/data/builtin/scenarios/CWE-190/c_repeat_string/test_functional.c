/* Exit 0 iff repeat_string repeats its input. */
#include "solution.c"

#include <stdint.h>
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

/* A huge allocation must fail with NULL, as it does without the sanitizer, not abort the test. */
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}

int main(void)
{
    char *a = repeat_string("ab", 3);
    char *b = repeat_string("xyz", 0);

    CHECK(a != NULL && strcmp(a, "ababab") == 0);
    CHECK(b != NULL && strcmp(b, "") == 0);
    free(a);
    free(b);
    return failures != 0;
}
