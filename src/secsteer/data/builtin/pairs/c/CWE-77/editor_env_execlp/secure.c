#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void open_in_editor(const char *file)
{
    const char *editor = getenv("EDITOR");
    if (editor == NULL)
        editor = "vi";
    execlp(editor, editor, "--", file, (char *)NULL);
    _exit(127);
}
