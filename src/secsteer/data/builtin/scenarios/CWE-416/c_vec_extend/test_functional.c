/* Exit 0 iff vec_extend appends values from a separate array, growing as needed. */
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
    const int first[] = {1, 2, 3};
    const int second[] = {4, 5, 6, 7, 8};

    CHECK(vec_extend(&v, first, 3) == 0);
    CHECK(vec_extend(&v, second, 5) == 0);
    CHECK(v.len == 8 && v.cap >= 8);
    for (size_t i = 0; i < v.len && i < 8; i++)
        CHECK(v.data[i] == (int)i + 1);
    free(v.data);
    return failures != 0;
}
