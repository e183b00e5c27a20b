#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

int block_address(const char *addr)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "iptables -A INPUT -s %s -j DROP", addr);
    return system(cmd);
}
