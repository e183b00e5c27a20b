#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int tftp_open_read(const char *server_dir, const char *requested)
{
    char path[1024];
    if (requested[0] == '/' || strstr(requested, "..") != NULL)
        return -1;
    int n = snprintf(path, sizeof(path), "%s/%s", server_dir, requested);
    if (n < 0 || (size_t)n >= sizeof(path))
        return -1;
    return open(path, O_RDONLY);
}
