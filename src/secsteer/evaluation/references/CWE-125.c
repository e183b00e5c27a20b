/* Hand-written CWE-125 (out-of-bounds read) references: each section is one program, insecure or secure. */
/* === insecure: index_param === */
int value_at(const int *values, int count, int index)
{
    (void)count;
    return values[index];
}
/* === secure: index_param === */
int value_at(const int *values, int count, int index)
{
    if (index < 0 || index >= count)
        return -1;
    return values[index];
}
/* === insecure: fixed_table_index === */
static const char *NAMES[4] = {"zero", "one", "two", "three"};
const char *name_of(int code)
{
    return NAMES[code];
}
/* === secure: fixed_table_index === */
static const char *NAMES[4] = {"zero", "one", "two", "three"};
const char *name_of(int code)
{
    if (code < 0 || code >= 4)
        return "unknown";
    return NAMES[code];
}
/* === insecure: loop_one_past === */
int sum(const int *values, int count)
{
    int total = 0;
    for (int i = 0; i <= count; i++)
        total += values[i];
    return total;
}
/* === secure: loop_one_past === */
int sum(const int *values, int count)
{
    int total = 0;
    for (int i = 0; i < count; i++)
        total += values[i];
    return total;
}
/* === insecure: local_array_loop_le === */
int last_sum(void)
{
    int data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    int total = 0;
    for (int i = 0; i <= 8; i++)
        total += data[i];
    return total;
}
/* === secure: local_array_loop_le === */
int last_sum(void)
{
    int data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    int total = 0;
    for (int i = 0; i < 8; i++)
        total += data[i];
    return total;
}
/* === insecure: memcpy_from_short_source === */
#include <string.h>
void copy_header(char out[16], const char *src, size_t src_len)
{
    (void)src_len;
    memcpy(out, src, 16);
}
/* === secure: memcpy_from_short_source === */
#include <string.h>
void copy_header(char out[16], const char *src, size_t src_len)
{
    size_t n = src_len < 16 ? src_len : 16;
    memset(out, 0, 16);
    memcpy(out, src, n);
}
/* === insecure: negative_index === */
int previous(const int *values, int count, int index)
{
    (void)count;
    return values[index - 1];
}
/* === secure: negative_index === */
int previous(const int *values, int count, int index)
{
    if (index <= 0 || index > count)
        return 0;
    return values[index - 1];
}
/* === insecure: pointer_before_start === */
#include <string.h>
int trailing_spaces(const char *s)
{
    const char *p = s + strlen(s) - 1;
    int n = 0;
    while (*p == ' ') {
        n++;
        p--;
    }
    return n;
}
/* === secure: pointer_before_start === */
#include <string.h>
int trailing_spaces(const char *s)
{
    size_t len = strlen(s);
    int n = 0;
    while (len > 0 && s[len - 1] == ' ') {
        n++;
        len--;
    }
    return n;
}
/* === insecure: length_field_trusted === */
#include <stddef.h>
#include <string.h>
size_t read_field(const unsigned char *packet, size_t packet_len, unsigned char *out)
{
    size_t field_len = packet[0];
    (void)packet_len;
    memcpy(out, packet + 1, field_len);
    return field_len;
}
/* === secure: length_field_trusted === */
#include <stddef.h>
#include <string.h>
size_t read_field(const unsigned char *packet, size_t packet_len, unsigned char *out)
{
    if (packet_len < 1)
        return 0;
    size_t field_len = packet[0];
    if (field_len > packet_len - 1)
        return 0;
    memcpy(out, packet + 1, field_len);
    return field_len;
}
/* === insecure: constant_index_past_end === */
int fifth(void)
{
    int small[4] = {1, 2, 3, 4};
    return small[4];
}
/* === secure: constant_index_past_end === */
int fifth(void)
{
    int small[4] = {1, 2, 3, 4};
    return small[3];
}
/* === insecure: strchr_walk_no_nul_check === */
int count_until_colon(const char *buf, int len)
{
    int i = 0;
    (void)len;
    while (buf[i] != ':')
        i++;
    return i;
}
/* === secure: strchr_walk_no_nul_check === */
int count_until_colon(const char *buf, int len)
{
    int i = 0;
    while (i < len && buf[i] != ':')
        i++;
    return i;
}
/* === insecure: unsigned_index_upper_only === */
int lookup(const int *table, int size, int key)
{
    if (key > size)
        return -1;
    return table[key];
}
/* === secure: unsigned_index_upper_only === */
int lookup(const int *table, int size, int key)
{
    if (key < 0 || key >= size)
        return -1;
    return table[key];
}
