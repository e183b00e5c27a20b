#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Return the number of words in the file `path`, as printed by the command
 * `wc -w < path` run with popen(). `path` is the name of an upload chosen by
 * the user. Returns -1 on error.
 */
long count_words(const char *path)
{
