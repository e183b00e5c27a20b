/* Exit 0 iff count_words counts the words of a file. */
#include "solution.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int failures;
#define CHECK(cond) \
    do { \
        if (!(cond)) { \
            fprintf(stderr, "FAIL line %d: %s\n", __LINE__, #cond); \
            failures++; \
        } \
    } while (0)

static void write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    if (file == NULL) {
        perror(path);
        exit(2);
    }
    fputs(text, file);
    fclose(file);
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

int main(void)
{
    write_file("words.txt", "one two three\nfour\n");
    CHECK(count_words("words.txt") == 4);
    return failures != 0;
}
