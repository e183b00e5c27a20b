#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Allocate a rows x cols matrix of uint32_t, all zero, in one row-major block.
 * rows and cols come from an image header read from the network.
 * Returns NULL if the matrix cannot be allocated.
 */
uint32_t *alloc_matrix(size_t rows, size_t cols)
{
