#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int open_in_spool(int spool_fd, const char *entry)
{
    if (strchr(entry, '/') != NULL || strcmp(entry, "..") == 0)
        return -1;
    return openat(spool_fd, entry, O_RDONLY | O_CLOEXEC);
}
