#include <stdio.h>
#include <string.h>

/*
 * Read the configuration file `name` from the directory `base_dir` into `out`
 * (at most out_size - 1 bytes, then a terminating NUL).
 * `name` comes from the command line of an unprivileged user, e.g. "app.conf".
 * Returns the number of bytes read, or -1 on error.
 */
long read_config(const char *base_dir, const char *name, char *out, size_t out_size)
{
