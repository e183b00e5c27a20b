#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int send_ticket_mail(const char *subject)
{
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "mail -s '%s' support@example.com < /tmp/ticket.txt", subject);
    return system(cmd);
}
