/* Exit 0 iff appending the array to itself reads no freed memory (ASan aborts otherwise). */
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
    struct vec v = {NULL, 0, 0};
    const int first[] = {1, 2, 3, 4};

    CHECK(vec_extend(&v, first, 4) == 0);
    CHECK(v.len == 4);
    /* grows the block while reading from it */
    CHECK(vec_extend(&v, v.data, v.len) == 0);
    CHECK(v.len == 8);
    for (size_t i = 0; i < v.len && i < 8; i++)
        CHECK(v.data[i] == (int)(i % 4) + 1);
    free(v.data);
    return failures != 0;
}
