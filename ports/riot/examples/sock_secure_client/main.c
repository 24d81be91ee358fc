/**
 * @file main.c
 * @brief secure_sock DTLS client on RIOT: shell command `ssc ADDR MESSAGE...` connects with a
 *        pre-shared key (TLS_PSK_WITH_AES_128_CCM_8), sends MESSAGE as one record, prints the
 *        reply and closes (close_notify). Built with SOCK_SECURE_EXAMPLE_TLS=1 it is a TLS 1.2
 *        client over TCP (sock_secure_tcp) instead.
 *
 *   > ssc [fe80::1%5]:5684 hello
 *   connected to [fe80::1%5]:5684: TLS_PSK_WITH_AES_128_CCM_8, DTLSv1.2 in 12 ms
 *   reply (5 bytes): hello
 *
 * Built with SOCK_SECURE_EXAMPLE_CERTS=DIR (a directory holding sock_secure_example_certs.h, see
 * ports/riot/test.sh), it also offers TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 and verifies the
 * server's certificate against the CA in that file and the name SOCK_SECURE_EXAMPLE_SERVER_NAME.
 */
#include <stdio.h>
#include <string.h>

#include "shell.h"

#include "secure_sock/sock_secure.h"
#include "sock_secure_example.h"
#if SOCK_SECURE_EXAMPLE_CERTS
#include "sock_secure_example_certs.h" /* example_ca_der[] */
#endif

#define CONNECT_TIMEOUT_MS 10000u
#define REPLY_TIMEOUT_MS   5000u

static const sock_secure_psk_t psk = SOCK_SECURE_EXAMPLE_PSK_INIT;
#if SOCK_SECURE_EXAMPLE_CERTS
static sock_secure_creds_t creds;
static const uint32_t cred_tags[] = { 1 };
#endif

static int ssc_run(const sock_secure_ep_t *server, const char *msg, size_t len)
{
#if SOCK_SECURE_EXAMPLE_TLS
    static sock_secure_riot_tcp_t tcp;
    static sock_tcp_t tcp_socks[1]; /* one connection */
    static sock_secure_riot_tcp_conn_t tcp_conns[1];
    sock_secure_transport_t *transport = &tcp.base;
#else
    static sock_secure_riot_udp_t udp;
    sock_secure_transport_t *transport = &udp.base;
#endif
    static sock_secure_t sock;
    static sock_secure_session_t slots[1]; /* session storage is the application's */
    static char reply[256];
    sock_secure_session_t *s = NULL;
    sock_secure_config_t cfg;
    char ep[SOCK_SECURE_EP_STRLEN];
    int rc;

    (void)sock_secure_ep_format(server, ep, sizeof(ep));
#if SOCK_SECURE_EXAMPLE_TLS
    rc = sock_secure_riot_tcp_open(&tcp, tcp_socks, tcp_conns, 1);
#else
    rc = sock_secure_riot_udp_open(&udp, NULL);
#endif
    if (rc < 0) {
        printf("error: cannot open the transport: %d\n", rc);
        return 1;
    }
    sock_secure_config_init(&cfg); /* client, CoAP suites, RFC 6347 timers, ztimer64 clock */
    cfg.transport = transport; /* a stream transport makes it TLS */
    cfg.sessions = slots;
    cfg.session_count = 1;
    cfg.psk = &psk;
    cfg.psk_count = 1;
#if SOCK_SECURE_EXAMPLE_CERTS
    sock_secure_creds_init(&creds);
    rc = sock_secure_creds_add(&creds, cred_tags[0], SOCK_SECURE_CRED_CA, example_ca_der,
                               sizeof(example_ca_der));
    if (rc < 0) {
        printf("error: CA: %s\n", sock_secure_strerror(rc));
    }
    cfg.creds = &creds;
    cfg.cred_tags = cred_tags;
    cfg.cred_tag_count = 1;
    cfg.server_name = SOCK_SECURE_EXAMPLE_SERVER_NAME;
#endif
    if ((rc = sock_secure_create(&sock, &cfg)) < 0) {
        printf("error: create: %s\n", sock_secure_strerror(rc));
        sock_secure_transport_close(transport);
        return 1;
    }
    rc = sock_secure_connect(&sock, server, &s, CONNECT_TIMEOUT_MS);
    if (rc == 0) {
        sock_secure_session_info_t info;
        sock_secure_session_info(s, &info);
        printf("connected to %s: %s, %s in %u ms\n", ep, info.suite_name, info.version,
               (unsigned)info.handshake_ms);
        rc = sock_secure_session_send(s, msg, len);
        if (rc >= 0) {
            rc = sock_secure_session_recv(s, reply, sizeof(reply), REPLY_TIMEOUT_MS);
            if (rc >= 0) {
                printf("reply (%d bytes): %.*s\n", rc, rc, reply);
            }
        }
    }
    if (rc < 0) {
        printf("error: %s: %s\n", ep, sock_secure_strerror(rc));
    }
    if (s != NULL) {
        sock_secure_session_close(s); /* close_notify, keys zeroed */
    }
    sock_secure_close(&sock);
    sock_secure_transport_close(transport);
    sock_secure_example_print_heap();
    return rc < 0;
}

static int ssc_cmd(int argc, char **argv)
{
    static char msg[128];
    sock_secure_ep_t server;
    size_t len = 0;

    if (argc < 3) {
        printf("usage: %s ADDR MESSAGE...   (ADDR: [fe80::1%%5]:%u, [2001:db8::1], ...)\n",
               argv[0], SOCK_SECURE_EXAMPLE_PORT);
        return 1;
    }
    if (sock_secure_ep_parse(&server, argv[1], SOCK_SECURE_EXAMPLE_PORT) < 0) {
        printf("error: not an endpoint: %s\n", argv[1]);
        return 1;
    }
    for (int i = 2; i < argc; i++) { /* the words of the message, joined by spaces */
        size_t n = strlen(argv[i]);
        if (len + n + (i > 2) > sizeof(msg)) {
            puts("error: message too long");
            return 1;
        }
        if (i > 2) {
            msg[len++] = ' ';
        }
        memcpy(msg + len, argv[i], n);
        len += n;
    }
    return ssc_run(&server, msg, len);
}

static const shell_command_t commands[] = {
    { "ssc", SOCK_SECURE_EXAMPLE_MODE " (PSK) to ADDR: send MESSAGE, print the reply", ssc_cmd },
    { NULL, NULL, NULL }
};

int main(void)
{
    int rc = sock_secure_init();
    if (rc < 0) {
        printf("error: sock_secure_init: %d\n", rc);
    }
    puts("secure_sock " SOCK_SECURE_EXAMPLE_MODE " client; try: ssc [fe80::1%5]:5684 hello");
    char line_buf[SHELL_DEFAULT_BUFSIZE];
    shell_run(commands, line_buf, SHELL_DEFAULT_BUFSIZE);
    return 0;
}
