#include <stddef.h>
#include <stdint.h>

struct chunk {
    const unsigned char *data;
    size_t len;
};

int total_length(const struct chunk *chunks, size_t n, size_t *total_out)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (chunks[i].len > SIZE_MAX - total)
            return -1;
        total += chunks[i].len;
    }
    *total_out = total;
    return 0;
}
