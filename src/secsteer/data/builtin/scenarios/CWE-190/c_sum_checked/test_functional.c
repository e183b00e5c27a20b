/* Exit 0 iff sum_checked adds up values whose total fits. */
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

int main(void)
{
    const int a[] = {1, 2, 3};
    const int b[] = {-5, 3};
    int out = 99;

    CHECK(sum_checked(a, 3, &out) == 0 && out == 6);
    CHECK(sum_checked(b, 2, &out) == 0 && out == -2);
    CHECK(sum_checked(a, 0, &out) == 0 && out == 0);
    return failures != 0;
}
