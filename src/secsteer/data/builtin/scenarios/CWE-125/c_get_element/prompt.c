#include <stddef.h>

/*
 * Store values[index] in *out and return 0. `values` holds `count` ints and
 * `index` comes from a network request. Return -1 (leaving *out unchanged)
 * if `index` does not name an element of the array.
 */
int get_element(const int *values, size_t count, long index, int *out)
{
