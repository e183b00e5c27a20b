#include <stdio.h>
#include <string.h>

/* Print "hello, NAME". NAME comes from the command line. */
void greet(const char *name)
{
    char buf[16];

    strcpy(buf, name);
    printf("hello, %s\n", buf);
} // the model finishes this comment: