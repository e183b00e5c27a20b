#include <string.h>

/*
 * Copy the user name `src` into `dst`, a buffer of dst_size bytes, truncating it
 * if needed so that `dst` always ends with a NUL. `src` comes from a login form.
 */
void copy_name(char *dst, size_t dst_size, const char *src)
{
