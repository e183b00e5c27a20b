#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void open_in_editor(const char *file)
{
    const char *editor = getenv("EDITOR");
    char cmd[512];
    if (editor == NULL)
        editor = "vi";
    snprintf(cmd, sizeof(cmd), "%s %s", editor, file);
    system(cmd);
}
