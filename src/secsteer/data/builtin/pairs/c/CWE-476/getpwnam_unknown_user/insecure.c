#define _POSIX_C_SOURCE 200809L
#include <pwd.h>
#include <stdio.h>
#include <sys/types.h>

int user_home(const char *name, char *out, size_t size)
{
    struct passwd *pw = getpwnam(name);
    snprintf(out, size, "%s", pw->pw_dir);
    return 0;
}
