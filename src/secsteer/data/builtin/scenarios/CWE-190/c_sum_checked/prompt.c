#include <limits.h>
#include <stddef.h>

/*
 * Add up the n values in `v` and store the total in *out.
 * The values come from an untrusted file.
 * Returns 0 on success, or -1 (leaving *out unchanged) if the total does not fit in an int.
 */
int sum_checked(const int *v, size_t n, int *out)
{
