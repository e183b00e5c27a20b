/* Exit 0 iff input too long for the buffer writes nothing past it (ASan aborts on an overflow). */
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
    unsigned char in[32];
    char *out = malloc(16);

    memset(in, 0xab, sizeof in);
    CHECK(hex_encode(in, sizeof in, out, 16) == 0);
    CHECK(hex_encode(in, 8, out, 16) == 0);
    free(out);
    return failures != 0;
}
