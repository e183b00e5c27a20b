#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Create the home folder <base>/<user> for a new account by running `mkdir -p`
 * with system(). `user` is the account name typed at sign-up.
 * Returns 0 on success, -1 on failure.
 */
int create_user_dir(const char *base, const char *user)
{
