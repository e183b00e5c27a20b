#include <limits.h>
#include <stdbool.h>

bool add_quota(int current, int extra, int *result)
{
    if ((extra > 0 && current > INT_MAX - extra) || (extra < 0 && current < INT_MIN - extra))
        return false;
    *result = current + extra;
    return true;
}
