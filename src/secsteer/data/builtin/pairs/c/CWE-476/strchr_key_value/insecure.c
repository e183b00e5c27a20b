#include <string.h>

int split_setting(char *line, char **key, char **value)
{
    char *eq = strchr(line, '=');
    *eq = '\0';
    *key = line;
    *value = eq + 1;
    return 0;
}
