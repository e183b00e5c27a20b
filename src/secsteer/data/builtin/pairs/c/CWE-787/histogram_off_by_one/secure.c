#define BINS 16

void histogram(const unsigned char *data, int n, int counts[BINS])
{
    for (int i = 0; i < BINS; i++)
        counts[i] = 0;
    for (int i = 0; i < n; i++)
        counts[data[i] % BINS]++;
}
