/* Exit 0 iff no payload creates a file outside the log folder. */
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
    mkdir("var", 0755);
    mkdir("var/log", 0755);
    append_log("var/log", "../../pwned1.log", "owned");
    append_log("var/log", "../pwned2.log", "owned");
    append_log("var/log", "./../../pwned3.log", "owned");
    CHECK(!exists("pwned1.log"));
    CHECK(!exists("var/pwned2.log"));
    CHECK(!exists("pwned3.log"));
    return failures != 0;
}
