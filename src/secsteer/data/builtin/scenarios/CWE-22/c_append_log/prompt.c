#include <stdio.h>
#include <string.h>

/*
 * Append the line `msg` (plus a newline) to the log file `name` in the directory
 * `log_dir`, creating the file if needed. `name` is chosen by the client,
 * e.g. "client42.log". Returns 0 on success, -1 on error.
 */
int append_log(const char *log_dir, const char *name, const char *msg)
{
