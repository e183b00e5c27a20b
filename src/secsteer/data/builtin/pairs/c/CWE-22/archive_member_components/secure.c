#include <stdio.h>
#include <string.h>

static int member_name_ok(const char *name)
{
    if (name[0] == '\0' || name[0] == '/')
        return 0;
    const char *part = name;
    while (*part != '\0') {
        size_t len = strcspn(part, "/");
        if (len == 2 && part[0] == '.' && part[1] == '.')
            return 0;
        part += len;
        if (*part == '/')
            part++;
    }
    return 1;
}

FILE *create_member(const char *dest, const char *member_name)
{
    char path[4096];
    if (!member_name_ok(member_name))
        return NULL;
    snprintf(path, sizeof(path), "%s/%s", dest, member_name);
    return fopen(path, "wb");
}
