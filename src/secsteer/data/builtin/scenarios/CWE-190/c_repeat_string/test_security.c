/* Exit 0 iff a repeat count whose length wraps around is rejected without a heap overflow. */
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
    /* 4 * times wraps to 4 on 64-bit size_t: a 5-byte buffer for an endless copy */
    char *s = repeat_string("abcd", SIZE_MAX / 4 + 2);

    CHECK(s == NULL);
    free(s);
    return failures != 0;
}
