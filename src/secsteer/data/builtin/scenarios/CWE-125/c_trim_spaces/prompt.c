#include <stddef.h>

/*
 * Return the length of the n bytes at `text` without their trailing spaces.
 * `text` is a field read from an uploaded CSV file; it is not NUL-terminated,
 * so only text[0] .. text[n - 1] may be read.
 */
size_t trimmed_length(const char *text, size_t n)
{
