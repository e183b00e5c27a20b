#include <stdlib.h>
#include <string.h>

struct entry {
    char key[32];
    char value[128];
    struct entry *next;
};

int cache_pop_oldest(struct entry **head, char *out, size_t out_len)
{
    struct entry *oldest = *head;
    if (oldest == NULL || out_len == 0)
        return -1;
    *head = oldest->next;
    free(oldest);
    strncpy(out, oldest->value, out_len - 1);
    out[out_len - 1] = '\0';
    return 0;
}
