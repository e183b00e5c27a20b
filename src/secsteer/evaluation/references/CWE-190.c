/* Hand-written CWE-190 (integer overflow) references, among them the kinds a model wrote unseen. */
/* === insecure: add_constant_int === */
#include <stdlib.h>
char *with_header(int len)
{
    int total = len + 16;
    return malloc(total);
}
/* === secure: add_constant_int === */
#include <limits.h>
#include <stdlib.h>
char *with_header(int len)
{
    if (len < 0 || len > INT_MAX - 16)
        return NULL;
    int total = len + 16;
    return malloc(total);
}
/* === insecure: guard_on_int_is_dead === */
#include <limits.h>
int scale(int value, int factor)
{
    int result = value * factor;
    if (result > INT_MAX)
        return -1;
    return result;
}
/* === secure: guard_on_int_is_dead === */
#include <limits.h>
int scale(int value, int factor)
{
    long long result = (long long)value * factor;
    if (result > INT_MAX || result < INT_MIN)
        return -1;
    return (int)result;
}
/* === insecure: count_times_size === */
#include <stdlib.h>
int *make_table(unsigned count)
{
    unsigned bytes = count * 4;
    return malloc(bytes);
}
/* === secure: count_times_size === */
#include <stdint.h>
#include <stdlib.h>
int *make_table(unsigned count)
{
    if (count > UINT32_MAX / 4)
        return NULL;
    unsigned bytes = count * 4;
    return malloc(bytes);
}
/* === insecure: width_times_height === */
#include <stdlib.h>
unsigned char *alloc_image(int width, int height)
{
    return malloc(width * height * 3);
}
/* === secure: width_times_height === */
#include <stdint.h>
#include <stdlib.h>
unsigned char *alloc_image(int width, int height)
{
    if (width <= 0 || height <= 0 || (size_t)width > SIZE_MAX / 3 / (size_t)height)
        return NULL;
    return malloc((size_t)width * (size_t)height * 3);
}
