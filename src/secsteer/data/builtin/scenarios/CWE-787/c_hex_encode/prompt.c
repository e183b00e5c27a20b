#include <stddef.h>

/*
 * Write the lowercase hex encoding of the n bytes at `in` to `out` (a buffer of
 * out_size bytes), followed by a NUL. The input comes from the network.
 * Returns the number of hex digits written (2 * n), or 0 if `out` is too small
 * for the whole encoding, in which case nothing is written.
 */
size_t hex_encode(const unsigned char *in, size_t n, char *out, size_t out_size)
{
