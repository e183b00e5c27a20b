#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void compress_log(const char *log_path)
{
    char *const argv[] = {"gzip", "-9", "--", (char *)log_path, NULL};
    execv("/bin/gzip", argv);
    _exit(127);
}
