/* Exit 0 iff sizes whose byte count wraps around are rejected (NULL), not allocated short. */
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
    /* rows * cols * 4 wraps to 16 bytes and to 0 bytes on 64-bit size_t */
    uint32_t *m1 = alloc_matrix(((size_t)1 << 62) + 1, 4);
    uint32_t *m2 = alloc_matrix((size_t)1 << 31, (size_t)1 << 31);

    CHECK(m1 == NULL);
    CHECK(m2 == NULL);
    free(m1);
    free(m2);
    return failures != 0;
}
