#include <stdlib.h>
#include <string.h>

struct vec {
    int *data;
    size_t len;
    size_t cap;
};

/*
 * Append the n ints at `src` to the end of v, growing v->data with realloc
 * (doubling the capacity) when needed. `src` may point into v->data itself,
 * e.g. to repeat the array. Returns 0 on success, or -1 if memory runs out
 * (v unchanged).
 */
int vec_extend(struct vec *v, const int *src, size_t n)
{
