#include <stdio.h>

int read_line(FILE *in, char *line, size_t size)
{
    size_t i = 0;
    int c;
    if (size == 0)
        return -1;
    while ((c = fgetc(in)) != EOF && c != '\n' && i < size - 1) {
        line[i++] = (char)c;
    }
    line[i] = '\0';
    return c == EOF && i == 0 ? -1 : 0;
}
