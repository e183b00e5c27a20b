#include <stddef.h>
#include <stdlib.h>

struct item {
    unsigned long key;
    struct item *next;
};

struct table {
    struct item **buckets;
    size_t nbuckets;
    size_t count;
};

int table_resize(struct table *t);

int table_insert(struct table *t, struct item *it)
{
    struct item **buckets = t->buckets;
    if (t->count + 1 > t->nbuckets * 3 / 4) {
        if (table_resize(t) != 0)
            return -1;
        buckets = t->buckets;
    }
    size_t slot = it->key % t->nbuckets;
    it->next = buckets[slot];
    buckets[slot] = it;
    t->count++;
    return 0;
}
