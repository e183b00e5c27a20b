#include <stdlib.h>

float *matrix_new(size_t rows, size_t cols)
{
    size_t cells = rows * cols;
    size_t bytes = cells * sizeof(float);
    return malloc(bytes);
}
