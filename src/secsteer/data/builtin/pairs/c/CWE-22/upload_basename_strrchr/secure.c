#include <stdio.h>
#include <string.h>

int store_upload(const char *upload_dir, const char *client_name, const char *data, size_t len)
{
    const char *slash = strrchr(client_name, '/');
    const char *base = slash != NULL ? slash + 1 : client_name;
    if (base[0] == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return -1;
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", upload_dir, base);
    FILE *out = fopen(path, "wb");
    if (out == NULL)
        return -1;
    size_t written = fwrite(data, 1, len, out);
    fclose(out);
    return written == len ? 0 : -1;
}
