#include <limits.h>
#include <stdbool.h>

bool add_quota(int current, int extra, int *result)
{
    *result = current + extra;
    return true;
}
