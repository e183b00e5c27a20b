#include <stdlib.h>

struct samples {
    double *data;
    size_t n;
};

int samples_add(struct samples *s, double x)
{
    double *grown = realloc(s->data, (s->n + 1) * sizeof(double));
    if (grown == NULL)
        return -1;
    s->data = grown;
    s->data[s->n++] = x;
    return 0;
}
