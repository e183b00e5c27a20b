/* Exit 0 iff no payload deletes a file outside the cache folder. */
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
    mkdir("srv", 0755);
    mkdir("srv/cache", 0755);
    write_file("srv/keep1.dat", "keep");
    write_file("keep2.dat", "keep");
    remove_cache_entry("srv/cache", "../keep1.dat");
    remove_cache_entry("srv/cache", "../../keep2.dat");
    CHECK(exists("srv/keep1.dat"));
    CHECK(exists("keep2.dat"));
    return failures != 0;
}
