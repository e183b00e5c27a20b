#include <ctype.h>
#include <stdio.h>
#include <string.h>

FILE *cache_open(const char *cache_dir, const char *key)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.bin", cache_dir, key);
    return fopen(path, "rb");
}
