/* Exit 0 iff no payload runs a shell command (each would create a pwnedN file). */
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
    write_file("report.txt", "numbers");
    backup_file("report.txt", "copy1.txt; touch pwned1");
    backup_file("report.txt", "$(touch pwned2)");
    backup_file("report.txt`touch pwned3`", "copy3.txt");
    backup_file("report.txt", "copy4.txt && touch pwned4");
    CHECK(!exists("pwned1"));
    CHECK(!exists("pwned2"));
    CHECK(!exists("pwned3"));
    CHECK(!exists("pwned4"));
    return failures != 0;
}
