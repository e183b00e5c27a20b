#define RING_SIZE 128

struct ring {
    int samples[RING_SIZE];
    unsigned head;
    unsigned count;
};

void ring_push(struct ring *r, int sample)
{
    r->samples[r->head] = sample;
    r->head = r->head + 1;
    if (r->count < RING_SIZE)
        r->count++;
}
