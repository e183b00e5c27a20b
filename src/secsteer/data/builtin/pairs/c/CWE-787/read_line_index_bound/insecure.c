#include <stdio.h>

int read_line(FILE *in, char *line, size_t size)
{
    size_t i = 0;
    int c;
    while ((c = fgetc(in)) != EOF && c != '\n') {
        line[i++] = (char)c;
    }
    line[i] = '\0';
    return c == EOF && i == 0 ? -1 : 0;
}
