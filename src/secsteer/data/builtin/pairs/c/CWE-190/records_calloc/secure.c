#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct record {
    uint32_t id;
    double value;
    char label[24];
};

struct record *read_records(FILE *in, uint32_t *out_n)
{
    uint32_t n;
    if (fread(&n, sizeof(n), 1, in) != 1)
        return NULL;
    struct record *table = calloc(n, sizeof(struct record));
    if (table == NULL)
        return NULL;
    *out_n = (uint32_t)fread(table, sizeof(struct record), n, in);
    return table;
}
