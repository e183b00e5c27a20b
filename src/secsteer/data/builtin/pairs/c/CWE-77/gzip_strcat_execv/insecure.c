#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void compress_log(const char *log_path)
{
    char cmd[600] = "gzip -9 ";
    if (strlen(log_path) >= sizeof(cmd) - strlen(cmd))
        return;
    strcat(cmd, log_path);
    system(cmd);
}
