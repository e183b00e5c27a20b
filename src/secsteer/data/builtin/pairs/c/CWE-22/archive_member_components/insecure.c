#include <stdio.h>
#include <string.h>

static int member_name_ok(const char *name)
{
    return name[0] != '\0';
}

FILE *create_member(const char *dest, const char *member_name)
{
    char path[4096];
    if (!member_name_ok(member_name))
        return NULL;
    snprintf(path, sizeof(path), "%s/%s", dest, member_name);
    return fopen(path, "wb");
}
