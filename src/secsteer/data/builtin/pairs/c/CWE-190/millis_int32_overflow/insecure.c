#include <stdint.h>

#define MAX_TIMEOUT_MS INT64_C(86400000)

int32_t timeout_to_ms(int32_t seconds)
{
    int32_t ms = seconds * 1000;
    return ms;
}
