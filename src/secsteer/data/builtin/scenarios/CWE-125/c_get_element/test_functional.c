/* Exit 0 iff get_element returns elements inside the array. */
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
    int out = 0;

    for (int i = 0; i < 4; i++)
        values[i] = 10 * i;
    CHECK(get_element(values, 4, 0, &out) == 0 && out == 0);
    CHECK(get_element(values, 4, 3, &out) == 0 && out == 30);
    free(values);
    return failures != 0;
}
