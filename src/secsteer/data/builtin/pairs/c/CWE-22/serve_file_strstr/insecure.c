#include <stdio.h>
#include <string.h>

#define DOC_ROOT "/var/www/html"

FILE *open_document(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", DOC_ROOT, name);
    return fopen(path, "rb");
}
