#include <stddef.h>

/*
 * `buf` holds len bytes of a packet from the network: a sequence of records,
 * each one type byte, one length byte L, then L value bytes. Return the sum of
 * all value bytes of all records, or -1 if a record does not fit in the buffer.
 */
long tlv_sum(const unsigned char *buf, size_t len)
{
