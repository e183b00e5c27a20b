#include <stdio.h>
#include <string.h>

static const char *const known_pages[] = {"home", "about", "contact", "pricing"};

FILE *open_page_template(const char *page)
{
    char path[256];
    size_t i;
    for (i = 0; i < sizeof(known_pages) / sizeof(known_pages[0]); i++) {
        if (strcmp(page, known_pages[i]) == 0)
            break;
    }
    if (i == sizeof(known_pages) / sizeof(known_pages[0]))
        return NULL;
    snprintf(path, sizeof(path), "templates/%s.html", page);
    return fopen(path, "r");
}
