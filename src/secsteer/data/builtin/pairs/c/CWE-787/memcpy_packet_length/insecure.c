#include <stdint.h>
#include <string.h>

struct message {
    uint16_t type;
    uint8_t body[256];
    size_t body_len;
};

int parse_message(struct message *m, const uint8_t *pkt, size_t pkt_len)
{
    if (pkt_len < 4)
        return -1;
    uint16_t len = (uint16_t)(pkt[2] << 8 | pkt[3]);
    if ((size_t)len + 4 > pkt_len)
        return -1;
    m->type = (uint16_t)(pkt[0] << 8 | pkt[1]);
    memcpy(m->body, pkt + 4, len);
    m->body_len = len;
    return 0;
}
