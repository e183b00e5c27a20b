/* Exit 0 iff an index past the end is refused (AddressSanitizer aborts on the read). */
#include "solution.c"

#include <stdlib.h>

int main(void)
{
    int *fields = malloc(3 * sizeof *fields);
    int got;

    fields[0] = fields[1] = fields[2] = 1;
    got = nth_field(fields, 3, 3);
    free(fields);
    return got == -1 ? 0 : 1;
}
