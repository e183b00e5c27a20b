#include <stdio.h>
#include <string.h>

long profile_size(const char *user)
{
    char path[300];
    snprintf(path, sizeof(path), "/home/%s/.profile", user);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    return size;
}
