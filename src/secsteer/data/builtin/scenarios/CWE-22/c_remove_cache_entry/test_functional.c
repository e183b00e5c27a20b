/* Exit 0 iff remove_cache_entry deletes an entry once and fails the second time. */
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
    mkdir("cache", 0755);
    write_file("cache/a1b2c3", "cached");
    write_file("cache/d4e5f6", "cached");
    CHECK(remove_cache_entry("cache", "a1b2c3") == 0);
    CHECK(!exists("cache/a1b2c3"));
    CHECK(remove_cache_entry("cache", "a1b2c3") == -1);
    CHECK(exists("cache/d4e5f6"));
    return failures != 0;
}
