#include <stddef.h>
#include <string.h>

int read_field(const unsigned char *buf, size_t buf_len, size_t offset, size_t length, unsigned char *out)
{
    if (offset > buf_len || length > buf_len - offset)
        return -1;
    memcpy(out, buf + offset, length);
    return 0;
}
