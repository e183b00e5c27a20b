#include <string.h>

int dispatch(char *line)
{
    char *verb = strtok(line, " \t\n");
    if (verb == NULL)
        return 0;
    if (strcmp(verb, "quit") == 0)
        return 1;
    if (strcmp(verb, "help") == 0)
        return 2;
    return 0;
}
