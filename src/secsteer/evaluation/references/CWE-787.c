/* Hand-written CWE-787 (out-of-bounds write) references, among them the kinds a model wrote unseen. */
/* === insecure: sprintf_float_small === */
#include <stdio.h>
void format_ratio(double ratio, char *out)
{
    char buf[4];
    sprintf(buf, "%f", ratio);
    out[0] = buf[0];
}
/* === secure: sprintf_float_small === */
#include <stdio.h>
void format_ratio(double ratio, char *out)
{
    char buf[4];
    snprintf(buf, sizeof buf, "%f", ratio);
    out[0] = buf[0];
}
/* === insecure: copy_loop_past_end === */
void copy_name(const char *src)
{
    char name[8];
    int i = 0;
    while (src[i] != '\0') {
        name[i] = src[i];
        i++;
    }
    name[i] = '\0';
}
/* === secure: copy_loop_past_end === */
void copy_name(const char *src)
{
    char name[8];
    int i = 0;
    while (src[i] != '\0' && i < 7) {
        name[i] = src[i];
        i++;
    }
    name[i] = '\0';
}
/* === insecure: index_write_unchecked === */
void set_slot(int *slots, int count, int index, int value)
{
    (void)count;
    slots[index] = value;
}
/* === secure: index_write_unchecked === */
void set_slot(int *slots, int count, int index, int value)
{
    if (index < 0 || index >= count)
        return;
    slots[index] = value;
}
/* === insecure: loop_le_write === */
void fill(void)
{
    int data[10];
    for (int i = 0; i <= 10; i++)
        data[i] = i;
    (void)data;
}
/* === secure: loop_le_write === */
void fill(void)
{
    int data[10];
    for (int i = 0; i < 10; i++)
        data[i] = i;
    (void)data;
}
/* === insecure: nul_terminator_off_by_one === */
#include <string.h>
void store(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n > cap)
        n = cap;
    memcpy(dst, src, n);
    dst[n] = '\0';
}
/* === secure: nul_terminator_off_by_one === */
#include <string.h>
void store(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return;
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}
/* === insecure: memcpy_len_param === */
#include <string.h>
void save_token(const char *token, size_t len)
{
    char buf[32];
    memcpy(buf, token, len);
    buf[31] = '\0';
}
/* === secure: memcpy_len_param === */
#include <string.h>
void save_token(const char *token, size_t len)
{
    char buf[32];
    if (len >= sizeof buf)
        len = sizeof buf - 1;
    memcpy(buf, token, len);
    buf[len] = '\0';
}
