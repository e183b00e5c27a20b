#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Write "<home>/<file>" into `out` (out_size bytes), where <home> is the HOME
 * environment variable, or "/tmp" when HOME is not set.
 * Returns 0 on success, -1 if the result does not fit.
 */
int home_path(char *out, size_t out_size, const char *file)
{
