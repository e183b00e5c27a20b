#include <inttypes.h>
#include <stdio.h>

void order_label(uint64_t order_id, char label[16])
{
    sprintf(label, "ORD-%" PRIu64, order_id);
}
