#include <string.h>

void greet(char out[64], const char *first, const char *last)
{
    strcpy(out, "Hello, ");
    strcat(out, first);
    strcat(out, " ");
    strcat(out, last);
}
