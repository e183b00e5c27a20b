#include <stdio.h>

struct logger {
    void (*write)(struct logger *self, const char *msg);
};

struct server_config {
    int port;
    struct logger *logger;
};

int bind_or_report(const struct server_config *cfg, int rc)
{
    if (rc != 0) {
        cfg->logger->write(cfg->logger, "bind failed");
        return -1;
    }
    return 0;
}
