#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *dup_array(const void *src, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        return NULL;
    void *copy = malloc(count * size);
    if (copy == NULL)
        return NULL;
    memcpy(copy, src, count * size);
    return copy;
}
