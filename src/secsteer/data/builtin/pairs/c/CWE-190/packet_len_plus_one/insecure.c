#include <stdint.h>
#include <stdlib.h>
#include <string.h>

char *packet_string(const uint8_t *payload, uint32_t len)
{
    char *s = malloc(len + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, payload, len);
    s[len] = '\0';
    return s;
}
