/* Exit 0 iff alloc_matrix returns a zeroed, writable matrix. */
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
    uint32_t *m = alloc_matrix(3, 4);

    CHECK(m != NULL);
    if (m != NULL) {
        for (size_t i = 0; i < 12; i++) {
            CHECK(m[i] == 0);
            m[i] = (uint32_t)i;
        }
        free(m);
    }
    return failures != 0;
}
