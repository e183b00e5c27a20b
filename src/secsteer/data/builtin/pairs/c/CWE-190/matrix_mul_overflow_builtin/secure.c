#include <stdlib.h>

float *matrix_new(size_t rows, size_t cols)
{
    size_t cells, bytes;
    if (__builtin_mul_overflow(rows, cols, &cells) || __builtin_mul_overflow(cells, sizeof(float), &bytes))
        return NULL;
    return malloc(bytes);
}
