/* TLS 1.2 over TCP: the same API as DTLS (examples/client.c), a TCP transport instead of UDP.
 * Sends argv[2] (default "hello") to argv[1] (default [::1]:4433) and prints the echo. */
#include <stdio.h>
#include <string.h>
#include <secure_sock/sock_secure.h>
#include <secure_sock/posix/tcp.h>

static const uint8_t key[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static const sock_secure_psk_t psk = { (const uint8_t *)"dev1", 4, key, sizeof key };
static sock_secure_session_t slots[1];
static sock_secure_tcp_conn_t conns[1];         /* one TCP connection: storage is yours too */

int main(int argc, char **argv)
{
    sock_secure_tcp_t tcp; sock_secure_t sock; sock_secure_session_t *s = NULL;
    sock_secure_ep_t server; sock_secure_config_t cfg;
    const char *msg = argc > 2 ? argv[2] : "hello";
    size_t len = strlen(msg), got = 0;
    char reply[256];
    int rc;

    sock_secure_init();
    if (len == 0 || len > sizeof reply ||
        sock_secure_ep_parse(&server, argc > 1 ? argv[1] : "[::1]:4433", 4433) < 0 ||
        sock_secure_tcp_open(&tcp, conns, 1) < 0) {
        return 1;
    }
    sock_secure_config_init(&cfg);              /* client, PSK-AES128-CCM8 */
    cfg.transport = &tcp.base; cfg.sessions = slots; cfg.session_count = 1;
    cfg.psk = &psk; cfg.psk_count = 1;
    if ((rc = sock_secure_create(&sock, &cfg)) == 0 &&
        (rc = sock_secure_connect(&sock, &server, &s, 10000)) == 0 && /* TCP, then TLS */
        (rc = sock_secure_session_send(s, msg, len)) == (int)len) {
        /* a byte stream: the echo may arrive in pieces */
        while (got < len && (rc = sock_secure_session_recv(s, reply + got, sizeof reply - got,
                                                           2000)) > 0) {
            got += (size_t)rc;
        }
    }
    if (got == len) {
        printf("%.*s\n", (int)got, reply);
    } else if (rc < 0) {
        fprintf(stderr, "tls_client: %s\n", sock_secure_strerror(rc));
    }
    sock_secure_close(&sock);                   /* close_notify, keys zeroed */
    sock_secure_transport_close(&tcp.base);
    return got == len ? 0 : 1;
}
