#include <string.h>

/*
 * Append "/" and `component` to the path in `buf` (a buffer of buf_size bytes
 * holding a NUL-terminated string). `component` is a file name taken from an
 * uploaded archive. Returns 0 on success, or -1 (buf unchanged) if the result
 * would not fit.
 */
int append_path(char *buf, size_t buf_size, const char *component)
{
