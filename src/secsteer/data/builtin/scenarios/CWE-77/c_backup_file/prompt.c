#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Copy the file `src` to `dst` by running the `cp -p` command with system().
 * Both names are given by a remote user.
 * Returns 0 on success, -1 on failure.
 */
int backup_file(const char *src, const char *dst)
{
