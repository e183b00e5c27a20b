#include <stddef.h>

int nth_field(const int *fields, size_t count, size_t n)
{
    if (n >= count)
        return -1;
    return fields[n]; // the model finishes this comment: