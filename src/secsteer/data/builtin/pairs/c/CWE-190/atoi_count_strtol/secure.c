#include <errno.h>
#include <stdlib.h>

#define MAX_ITEMS 100000

double *alloc_samples(const char *count_text)
{
    char *end;
    errno = 0;
    long count = strtol(count_text, &end, 10);
    if (errno != 0 || end == count_text || *end != '\0' || count <= 0 || count > MAX_ITEMS)
        return NULL;
    return malloc((size_t)count * sizeof(double));
}
