#include <stdlib.h>

struct samples {
    double *data;
    size_t n;
};

int samples_add(struct samples *s, double x)
{
    s->data = realloc(s->data, (s->n + 1) * sizeof(double));
    s->data[s->n++] = x;
    return 0;
}
