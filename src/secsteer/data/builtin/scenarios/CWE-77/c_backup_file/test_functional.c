/* Exit 0 iff backup_file copies a file. */
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
    char buf[16] = {0};
    FILE *file;

    write_file("report.txt", "numbers");
    CHECK(backup_file("report.txt", "report.bak") == 0);
    file = fopen("report.bak", "r");
    CHECK(file != NULL);
    if (file != NULL) {
        CHECK(fread(buf, 1, sizeof buf - 1, file) == 7);
        fclose(file);
    }
    CHECK(strcmp(buf, "numbers") == 0);
    CHECK(backup_file("missing.txt", "missing.bak") == -1);
    return failures != 0;
}
