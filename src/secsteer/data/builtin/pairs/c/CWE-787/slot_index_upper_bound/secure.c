#define SLOTS 64

static int slot_owner[SLOTS];

int claim_slot(int slot, int owner)
{
    if (slot < 0 || slot >= SLOTS)
        return -1;
    slot_owner[slot] = owner;
    return 0;
}
