#include "solution.c"

int main(void)
{
    int fields[3] = {4, 5, 6};

    return nth_field(fields, 3, 1) == 5 ? 0 : 1;
}
