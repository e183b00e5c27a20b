#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <unistd.h>

void exec_file_type(const char *upload_path)
{
    execl("/usr/bin/file", "file", "--", upload_path, (char *)NULL);
    _exit(127);
}
