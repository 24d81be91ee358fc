#include <stdint.h>
#include <stdio.h>
#include <secure_sock/sock_secure.h>
#include <secure_sock/posix/udp.h>

static const uint8_t key1[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                  0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static const uint8_t key2[16] = { 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
                                  0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0 };
static const sock_secure_psk_t psks[] = {
    { (const uint8_t *)"dev1", 4, key1, sizeof key1 },
    { (const uint8_t *)"dev2", 4, key2, sizeof key2 },
};
static sock_secure_session_t slots[64];         /* yours: at most 64 peers at once */

int main(int argc, char **argv)
{
    sock_secure_udp_t udp; sock_secure_t srv; sock_secure_config_t cfg; sock_secure_ep_t local;

    sock_secure_init();
    if (sock_secure_ep_parse(&local, argc > 1 ? argv[1] : "[::]:5684", 5684) < 0 ||
        sock_secure_udp_open(&udp, &local) < 0) {   /* "[::]": dual-stack, IPv4 peers too */
        return 1;
    }
    sock_secure_config_init(&cfg);
    cfg.role = SOCK_SECURE_SERVER;
    cfg.transport = &udp.base;
    cfg.sessions = slots; cfg.session_count = 64;
    cfg.psk = psks; cfg.psk_count = 2;          /* the key is chosen by the client's identity */
    cfg.idle_timeout_ms = 10 * 60 * 1000;       /* optional: close sessions silent for 10 min */
    if (sock_secure_create(&srv, &cfg) < 0) {
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    for (;;) {
        uint8_t buf[1024];
        sock_secure_session_t *from;             /* set by recv_any: which session */
        int n = sock_secure_recv_any(&srv, &from, buf, sizeof buf, SOCK_SECURE_NO_TIMEOUT);
        if (n >= 0) {
            sock_secure_session_send(from, buf, (size_t)n); /* echo */
        } else if (n == SOCK_SECURE_E_PEER_CLOSED || sock_secure_error_is_fatal(n)) {
            /* that session ended; `from` says which. Others are unaffected. */
        }
    }
}
