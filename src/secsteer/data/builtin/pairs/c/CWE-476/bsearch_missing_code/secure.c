#include <stdlib.h>

struct status {
    int code;
    const char *name;
};

static const struct status table[] = {{200, "OK"}, {301, "Moved"}, {404, "Not Found"}, {500, "Server Error"}};

static int cmp_status(const void *a, const void *b)
{
    return ((const struct status *)a)->code - ((const struct status *)b)->code;
}

const char *status_name(int code)
{
    struct status key = {code, NULL};
    const struct status *hit = bsearch(&key, table, sizeof(table) / sizeof(table[0]), sizeof(table[0]), cmp_status);
    return hit != NULL ? hit->name : "Unknown";
}
