#include <stdint.h>
#include <stdlib.h>

unsigned char *alloc_rgba(int width, int height)
{
    if (width <= 0 || height <= 0)
        return NULL;
    if ((size_t)width > SIZE_MAX / 4 / (size_t)height)
        return NULL;
    size_t bytes = (size_t)width * (size_t)height * 4;
    return malloc(bytes);
}
