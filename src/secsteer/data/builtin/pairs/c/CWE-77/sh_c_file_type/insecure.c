#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <unistd.h>

void exec_file_type(const char *upload_path)
{
    char script[1024];
    snprintf(script, sizeof(script), "file %s", upload_path);
    execl("/bin/sh", "sh", "-c", script, (char *)NULL);
    _exit(127);
}
