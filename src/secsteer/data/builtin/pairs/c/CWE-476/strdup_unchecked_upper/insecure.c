#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <string.h>

char *upper_copy(const char *s)
{
    char *copy = strdup(s);
    for (char *p = copy; *p; p++)
        *p = (char)toupper((unsigned char)*p);
    return copy;
}
