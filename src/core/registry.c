/* The driver registry: which (D)TLS stacks this program can use. Drivers are registered and
 * looked up by pointer through tlsman.h; applications see their names and what they can do. */
#include "core.h"

static const tlsman_driver_t *ss_drivers[CONFIG_SOCK_SECURE_MAX_DRIVERS];
static size_t ss_driver_count;

int sock_secure_register(const tlsman_driver_t *drv)
{
    if (drv == NULL || drv->name == NULL || drv->ctx_size > CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE ||
        drv->session_size > CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE) {
        return -EINVAL;
    }
    if (sock_secure_driver(drv->name) != NULL) {
        return -EALREADY;
    }
    if (ss_driver_count == CONFIG_SOCK_SECURE_MAX_DRIVERS) {
        return -ENOMEM;
    }
    ss_drivers[ss_driver_count++] = drv;
    return 0;
}

/* Names are short: a loop here keeps libc's strcmp (0.7 KB on Cortex-M4) out of every image. */
static bool ss_same_name(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

const tlsman_driver_t *sock_secure_driver(const char *name)
{
    if (name == NULL) {
        return ss_driver_count ? ss_drivers[0] : NULL;
    }
    for (size_t i = 0; i < ss_driver_count; i++) {
        if (ss_same_name(ss_drivers[i]->name, name)) {
            return ss_drivers[i];
        }
    }
    return NULL;
}

const char *sock_secure_backend_name(size_t i)
{
    return i < ss_driver_count ? ss_drivers[i]->name : NULL;
}

int sock_secure_backend_info(const char *name, sock_secure_backend_info_t *info)
{
    if (info == NULL) {
        return -EINVAL;
    }
    const tlsman_driver_t *drv = sock_secure_driver(name);
    if (drv == NULL) {
        return -ENOENT;
    }
    info->name = drv->name;
    info->version = drv->version != NULL ? drv->version : "";
    info->caps = drv->caps;
    if (!CONFIG_SOCK_SECURE_STREAMS || drv->flush == NULL) {
        info->caps &= ~(uint32_t)SOCK_SECURE_CAP_TLS; /* create() would refuse TLS (see there) */
    }
    if (drv->peer_subject != NULL) {
        info->caps |= SOCK_SECURE_CAP_PEER_SUBJECT; /* the op exists only where the stack can */
    }
    return 0;
}
