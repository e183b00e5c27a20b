#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int send_ticket_mail(const char *subject)
{
    char cmd[512];
    for (const char *s = subject; *s; s++) {
        if (*s == '\'' || (unsigned char)*s < 0x20)
            return -1;
    }
    snprintf(cmd, sizeof(cmd), "mail -s '%s' support@example.com < /tmp/ticket.txt", subject);
    return system(cmd);
}
