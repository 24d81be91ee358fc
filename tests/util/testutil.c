#include "testutil.h"

#include <stdlib.h>

int tu_failures;
int tu_checks;

int tu_exit(void)
{
    printf("%d checks, %d failed\n", tu_checks, tu_failures);
    if (tu_checks == 0) {
        fprintf(stderr, "no checks ran: a test that checks nothing cannot fail\n");
        return 1;
    }
    return tu_failures ? 1 : 0;
}

void tu_skip(const char *why)
{
    printf("SKIPPED: %s\n", why);
    exit(77);
}

uint64_t tu_clock(void *arg)
{
    return *(uint64_t *)arg;
}

sock_ep_t tu_ep(const char *text)
{
    sock_ep_t ep;
    if (sock_ep_parse(&ep, text, 0) != 0) {
        fprintf(stderr, "bad endpoint in test: %s\n", text);
        exit(1);
    }
    return ep;
}
