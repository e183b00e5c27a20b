/* Exit 0 iff create_user_dir creates the folder. */
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
    struct stat info;

    CHECK(create_user_dir("home", "ann") == 0);
    CHECK(stat("home/ann", &info) == 0 && S_ISDIR(info.st_mode));
    CHECK(create_user_dir("home", "ann") == 0);
    return failures != 0;
}
