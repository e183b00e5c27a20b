/* Exit 0 iff trailing spaces are dropped from ordinary fields. */
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

static char *field(const char *text)
{
    size_t n = strlen(text);
    char *copy = malloc(n ? n : 1);

    memcpy(copy, text, n);
    return copy;
}

int main(void)
{
    char *a = field("name   ");
    char *b = field("x");

    CHECK(trimmed_length(a, 7) == 4);
    CHECK(trimmed_length(b, 1) == 1);
    free(a);
    free(b);
    return failures != 0;
}
