#include <stdint.h>

#define MAX_TIMEOUT_MS INT64_C(86400000)

int64_t timeout_to_ms(int32_t seconds)
{
    int64_t ms = (int64_t)seconds * 1000;
    return ms > MAX_TIMEOUT_MS ? MAX_TIMEOUT_MS : ms;
}
