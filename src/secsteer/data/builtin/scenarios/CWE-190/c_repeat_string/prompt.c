#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Return a new string holding `s` repeated `times` times; the caller frees it.
 * `times` comes from a request parameter.
 * Returns NULL if the result cannot be allocated.
 */
char *repeat_string(const char *s, size_t times)
{
