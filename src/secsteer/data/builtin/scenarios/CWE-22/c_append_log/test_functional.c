/* Exit 0 iff append_log appends lines to a log file in the folder. */
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
    char buf[64] = {0};
    FILE *file;

    mkdir("logs", 0755);
    CHECK(append_log("logs", "client42.log", "hello") == 0);
    CHECK(append_log("logs", "client42.log", "again") == 0);
    file = fopen("logs/client42.log", "r");
    CHECK(file != NULL);
    if (file != NULL) {
        CHECK(fread(buf, 1, sizeof buf - 1, file) == 12);
        fclose(file);
    }
    CHECK(strcmp(buf, "hello\nagain\n") == 0);
    return failures != 0;
}
