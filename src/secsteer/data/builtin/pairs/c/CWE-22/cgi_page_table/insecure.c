#include <stdio.h>
#include <string.h>

static const char *const known_pages[] = {"home", "about", "contact", "pricing"};

FILE *open_page_template(const char *page)
{
    char path[256];
    snprintf(path, sizeof(path), "templates/%s.html", page);
    return fopen(path, "r");
}
