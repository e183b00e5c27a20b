#include <stddef.h>

/*
 * Return how many times `c` occurs in the string `s`.
 * `s` is a field parsed from a request; it is NULL when the field was missing,
 * which counts as zero occurrences.
 */
size_t count_char(const char *s, char c)
{
