#include <stdio.h>
#include <string.h>

int read_first_line(const char *path, char *line, int size)
{
    FILE *f = fopen(path, "r");
    if (fgets(line, size, f) == NULL)
        line[0] = '\0';
    line[strcspn(line, "\n")] = '\0';
    fclose(f);
    return 0;
}
