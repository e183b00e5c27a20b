#include <stdio.h>
#include <time.h>

int format_timestamp(time_t t, char *out, size_t size)
{
    struct tm *tm = localtime(&t);
    if (strftime(out, size, "%Y-%m-%d %H:%M:%S", tm) == 0)
        return -1;
    return 0;
}
