#define _POSIX_C_SOURCE 200809L
#include <sys/types.h>
#include <unistd.h>

ssize_t read_text(int fd, char *buf, size_t size)
{
    if (size == 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}
