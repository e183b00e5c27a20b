#include <stdint.h>
#include <stdlib.h>

unsigned char *alloc_rgba(int width, int height)
{
    if (width <= 0 || height <= 0)
        return NULL;
    int bytes = width * height * 4;
    return malloc(bytes);
}
