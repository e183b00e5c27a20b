#include <string.h>

void greet(char out[64], const char *first, const char *last)
{
    strcpy(out, "Hello, ");
    strncat(out, first, 63 - strlen(out));
    strncat(out, " ", 63 - strlen(out));
    strncat(out, last, 63 - strlen(out));
}
