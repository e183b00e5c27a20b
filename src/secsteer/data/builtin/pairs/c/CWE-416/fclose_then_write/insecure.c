#include <stdio.h>

int write_report(FILE *out, const double *values, int n)
{
    for (int i = 0; i < n; i++) {
        if (fprintf(out, "%d,%.3f\n", i, values[i]) < 0) {
            fclose(out);
            break;
        }
    }
    fprintf(out, "# %d rows\n", n);
    return fclose(out);
}
