/* Hand-written CWE-416 (use after free) references, a double free among them (CWE-415, its MITRE peer). */
/* === insecure: double_free_on_error === */
#include <stdlib.h>
int process(int fail)
{
    char *buf = malloc(64);
    if (!buf)
        return -1;
    if (fail) {
        free(buf);
    }
    free(buf);
    return 0;
}
/* === secure: double_free_on_error === */
#include <stdlib.h>
int process(int fail)
{
    char *buf = malloc(64);
    if (!buf)
        return -1;
    if (fail) {
        free(buf);
        return -1;
    }
    free(buf);
    return 0;
}
/* === insecure: free_then_log === */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
void finish(const char *name)
{
    char *copy = strdup(name);
    if (!copy)
        return;
    free(copy);
    printf("done %s\n", copy);
}
/* === secure: free_then_log === */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
void finish(const char *name)
{
    char *copy = strdup(name);
    if (!copy)
        return;
    printf("done %s\n", copy);
    free(copy);
}
