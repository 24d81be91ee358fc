#include <stdio.h>
#include <secure_sock/sock_secure.h>
#include <secure_sock/posix/udp.h>
static const uint8_t key[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static const sock_secure_psk_t psk = { (const uint8_t *)"dev1", 4, key, sizeof key };
static sock_secure_session_t slots[1];              /* session storage is yours: no malloc */
int main(int argc, char **argv) {
    sock_secure_udp_t udp; sock_secure_t sock; sock_secure_session_t *s = NULL; sock_secure_ep_t server;
    sock_secure_config_t cfg; char reply[256]; int rc;
    sock_secure_init();
    if (sock_secure_ep_parse(&server, argc > 1 ? argv[1] : "[::1]:5684", 5684) < 0 ||
        sock_secure_udp_open(&udp, NULL) < 0) return 1;
    sock_secure_config_init(&cfg);               /* client, PSK-AES128-CCM8, RFC 6347 timers */
    cfg.transport = &udp.base; cfg.sessions = slots; cfg.session_count = 1;
    cfg.psk = &psk; cfg.psk_count = 1;
    if ((rc = sock_secure_create(&sock, &cfg)) == 0 &&
        (rc = sock_secure_connect(&sock, &server, &s, 10000)) == 0 &&   /* blocking, 10 s */
        (rc = sock_secure_session_send(s, "hello", 5)) == 5 &&
        (rc = sock_secure_session_recv(s, reply, sizeof reply, 2000)) >= 0)
        printf("%.*s\n", rc, reply);
    if (rc < 0) fprintf(stderr, "client: %s\n", sock_secure_strerror(rc));
    sock_secure_close(&sock); sock_secure_transport_close(&udp.base);  /* close_notify, keys zeroed */
    return rc < 0;
}
