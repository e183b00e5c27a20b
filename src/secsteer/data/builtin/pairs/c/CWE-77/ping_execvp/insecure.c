#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int ping_host(const char *host)
{
    char command[300];
    snprintf(command, sizeof(command), "ping -c 3 %s", host);
    return system(command);
}
