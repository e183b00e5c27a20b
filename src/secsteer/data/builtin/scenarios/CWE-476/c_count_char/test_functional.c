/* Exit 0 iff count_char counts characters. */
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
    CHECK(count_char("banana", 'a') == 3);
    CHECK(count_char("banana", 'z') == 0);
    CHECK(count_char("", 'a') == 0);
    return failures != 0;
}
