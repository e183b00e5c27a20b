#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * Delete the cache file `key` from the directory `cache_dir`.
 * `key` arrives in a network request, e.g. "a1b2c3".
 * Returns 0 if the file was deleted, -1 otherwise.
 */
int remove_cache_entry(const char *cache_dir, const char *key)
{
