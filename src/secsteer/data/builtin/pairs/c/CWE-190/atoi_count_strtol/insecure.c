#include <errno.h>
#include <stdlib.h>

#define MAX_ITEMS 100000

double *alloc_samples(const char *count_text)
{
    int count = atoi(count_text);
    return malloc(count * sizeof(double));
}
