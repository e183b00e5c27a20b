#include <ctype.h>
#include <stdio.h>
#include <string.h>

FILE *cache_open(const char *cache_dir, const char *key)
{
    char path[512];
    if (strlen(key) != 64)
        return NULL;
    for (size_t i = 0; i < 64; i++) {
        if (!isxdigit((unsigned char)key[i]))
            return NULL;
    }
    snprintf(path, sizeof(path), "%s/%s.bin", cache_dir, key);
    return fopen(path, "rb");
}
