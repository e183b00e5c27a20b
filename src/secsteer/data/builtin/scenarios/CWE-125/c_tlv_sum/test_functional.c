/* Exit 0 iff well-formed packets are summed. */
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
    const unsigned char packet[] = {1, 2, 10, 20, 7, 0, 3, 1, 5};
    unsigned char *buf = malloc(sizeof packet);

    memcpy(buf, packet, sizeof packet);
    CHECK(tlv_sum(buf, sizeof packet) == 35);
    CHECK(tlv_sum(buf, 0) == 0);
    free(buf);
    return failures != 0;
}
