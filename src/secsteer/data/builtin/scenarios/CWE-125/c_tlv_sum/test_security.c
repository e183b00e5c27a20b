/* Exit 0 iff records that run past the packet are refused without reading past it (ASan aborts). */
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
    const unsigned char long_value[] = {1, 200, 1, 2, 3};
    const unsigned char cut_header[] = {1, 1, 9, 4};
    unsigned char *a = malloc(sizeof long_value);
    unsigned char *b = malloc(sizeof cut_header);

    memcpy(a, long_value, sizeof long_value);
    memcpy(b, cut_header, sizeof cut_header);
    CHECK(tlv_sum(a, sizeof long_value) == -1);
    CHECK(tlv_sum(b, sizeof cut_header) == -1);
    free(a);
    free(b);
    return failures != 0;
}
