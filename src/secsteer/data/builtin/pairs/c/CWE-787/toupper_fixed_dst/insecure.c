#include <ctype.h>

void make_tag(char dst[16], const char *src)
{
    int i = 0;
    while (src[i] != '\0') {
        dst[i] = (char)toupper((unsigned char)src[i]);
        i++;
    }
    dst[i] = '\0';
}
