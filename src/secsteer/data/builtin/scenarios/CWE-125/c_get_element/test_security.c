/* Exit 0 iff indexes outside the array are refused without reading it (ASan aborts on the read). */
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
    int *values = malloc(4 * sizeof *values);
    int out = 7;

    for (int i = 0; i < 4; i++)
        values[i] = i;
    CHECK(get_element(values, 4, 4, &out) == -1);
    CHECK(get_element(values, 4, -1, &out) == -1);
    CHECK(get_element(values, 4, 1L << 40, &out) == -1);
    CHECK(out == 7);
    free(values);
    return failures != 0;
}
