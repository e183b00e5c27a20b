/* Exit 0 iff read_config reads a file of the folder and fails for a missing one. */
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
    char buf[64];

    mkdir("conf", 0755);
    write_file("conf/app.conf", "port=80\n");
    CHECK(read_config("conf", "app.conf", buf, sizeof buf) == 8);
    CHECK(strcmp(buf, "port=80\n") == 0);
    CHECK(read_config("conf", "missing.conf", buf, sizeof buf) == -1);
    return failures != 0;
}
