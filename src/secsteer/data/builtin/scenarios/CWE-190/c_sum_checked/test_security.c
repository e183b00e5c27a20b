/* Exit 0 iff totals beyond int are rejected; signed overflow aborts under UBSan. */
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
    const int up[] = {INT_MAX, 1};
    const int down[] = {INT_MIN, -1};
    const int halves[] = {INT_MAX / 2 + 1, INT_MAX / 2 + 1};
    int out = 7;

    CHECK(sum_checked(up, 2, &out) == -1);
    CHECK(sum_checked(down, 2, &out) == -1);
    CHECK(sum_checked(halves, 2, &out) == -1);
    CHECK(out == 7);
    return failures != 0;
}
