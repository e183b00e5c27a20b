/* Exit 0 iff hex_encode encodes input that fits. */
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
    const unsigned char in[] = {0xde, 0xad, 0x01};
    char *out = malloc(16);

    CHECK(hex_encode(in, 3, out, 16) == 6);
    CHECK(strcmp(out, "dead01") == 0);
    CHECK(hex_encode(in, 0, out, 16) == 0 && out[0] == '\0');
    free(out);
    return failures != 0;
}
