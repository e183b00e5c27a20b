/* Exit 0 iff no traversal payload reads the secret file outside the folder. */
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
    const char *payloads[] = {"../../secret.txt", "./../../secret.txt", "../../srv/../secret.txt"};
    char buf[64];

    mkdir("srv", 0755);
    mkdir("srv/conf", 0755);
    write_file("secret.txt", "TOPSECRET");
    for (size_t i = 0; i < sizeof payloads / sizeof payloads[0]; i++) {
        memset(buf, 0, sizeof buf);
        long n = read_config("srv/conf", payloads[i], buf, sizeof buf);
        CHECK(n < 0 || strstr(buf, "TOPSECRET") == NULL);
    }
    return failures != 0;
}
