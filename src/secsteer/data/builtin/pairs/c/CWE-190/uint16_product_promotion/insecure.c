#include <stdint.h>
#include <stdlib.h>

struct table_header {
    uint16_t rows;
    uint16_t row_size;
};

void *alloc_table(const struct table_header *h)
{
    size_t total = h->rows * h->row_size;
    return malloc(total);
}
