/**
 * @file main.c
 * @brief secure_sock DTLS echo server on RIOT: a thread serves pre-shared-key clients
 *        (TLS_PSK_WITH_AES_128_CCM_8) on UDP port 5684 and sends every record back; the shell
 *        stays free (ifconfig, ps, `sss` for the server's counters).
 *
 * Built with SOCK_SECURE_EXAMPLE_CERTS=DIR (a directory holding sock_secure_example_certs.h, see
 * ports/riot/test.sh), it also serves TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with the certificate
 * and key in that file. Built with SOCK_SECURE_EXAMPLE_TLS=1 it is a TLS 1.2 server on TCP port
 * 5684 instead (sock_secure_tcp: one TCP connection per session).
 */
#include <errno.h>
#include <stdio.h>

#include "shell.h"
#include "thread.h"

#include "secure_sock/sock_secure.h"
#include "sock_secure_example.h"
#if SOCK_SECURE_EXAMPLE_CERTS
#include "sock_secure_example_certs.h" /* example_server_crt_der[], example_server_key_der[] */
#endif

#ifndef SERVER_SESSIONS
#define SERVER_SESSIONS 2 /**< clients served at once */
#endif
#ifndef SERVER_STACKSIZE
#define SERVER_STACKSIZE (3 * THREAD_STACKSIZE_DEFAULT)
#endif

static const sock_secure_psk_t psk = SOCK_SECURE_EXAMPLE_PSK_INIT;
#if SOCK_SECURE_EXAMPLE_TLS
static sock_secure_riot_tcp_t tcp;
static sock_tcp_t tcp_socks[SERVER_SESSIONS]; /* the listening queue: one TCP connection each */
static sock_secure_riot_tcp_conn_t tcp_conns[SERVER_SESSIONS];
static sock_secure_transport_t *const transport = &tcp.base;
#else
static sock_secure_riot_udp_t udp;
static sock_secure_transport_t *const transport = &udp.base;
#endif
static sock_secure_t sock;
static sock_secure_session_t slots[SERVER_SESSIONS];
static char stack[SERVER_STACKSIZE];
#if SOCK_SECURE_EXAMPLE_CERTS
static sock_secure_creds_t creds;
static const uint32_t cred_tags[] = { 1 };
#endif

static void on_event(sock_secure_t *s, sock_secure_session_t *session, sock_secure_event_t ev,
                     int err, void *arg)
{
    sock_secure_session_info_t info;
    char ep[SOCK_SECURE_EP_STRLEN];

    (void)s;
    (void)arg;
    if (sock_secure_session_info(session, &info) < 0) {
        return;
    }
    (void)sock_secure_ep_format(&info.remote, ep, sizeof(ep));
    switch (ev) {
    case SOCK_SECURE_EV_CONNECTED:
        printf("session %s: %s, %s\n", ep, info.suite_name, info.version);
        break;
    case SOCK_SECURE_EV_CLOSED:
        printf("session %s: closed by the peer\n", ep);
        break;
    case SOCK_SECURE_EV_ERROR:
    case SOCK_SECURE_EV_EXPIRED:
        printf("session %s: ended: %s\n", ep, sock_secure_strerror(err ? err : info.last_error));
        break;
    default:
        break;
    }
}

static void *server(void *arg)
{
    static char buf[512];
    sock_secure_ep_t local = { .family = SOCK_SECURE_AF_INET6, .port = SOCK_SECURE_EXAMPLE_PORT };
    sock_secure_config_t cfg;
    int rc;

    (void)arg;
#if SOCK_SECURE_EXAMPLE_TLS
    rc = sock_secure_riot_tcp_listen(&tcp, &local, tcp_socks, tcp_conns, SERVER_SESSIONS);
#else
    rc = sock_secure_riot_udp_open(&udp, &local);
#endif
    if (rc < 0) {
        printf("error: cannot open port %u: %d\n", SOCK_SECURE_EXAMPLE_PORT, rc);
        return NULL;
    }
    sock_secure_config_init(&cfg);
    cfg.role = SOCK_SECURE_SERVER;
    cfg.transport = transport; /* a stream transport makes it TLS */
    cfg.sessions = slots;
    cfg.session_count = SERVER_SESSIONS;
    cfg.psk = &psk;
    cfg.psk_count = 1;
    cfg.event_cb = on_event;
#if SOCK_SECURE_EXAMPLE_CERTS
    sock_secure_creds_init(&creds);
    if ((rc = sock_secure_creds_add(&creds, cred_tags[0], SOCK_SECURE_CRED_CERT_CHAIN,
                                    example_server_crt_der, sizeof(example_server_crt_der))) < 0 ||
        (rc = sock_secure_creds_add(&creds, cred_tags[0], SOCK_SECURE_CRED_PRIVATE_KEY,
                                    example_server_key_der, sizeof(example_server_key_der))) < 0) {
        printf("error: certificate or key: %s\n", sock_secure_strerror(rc));
    }
    cfg.creds = &creds;
    cfg.cred_tags = cred_tags;
    cfg.cred_tag_count = 1;
#endif
    if ((rc = sock_secure_create(&sock, &cfg)) < 0) {
        printf("error: create: %s\n", sock_secure_strerror(rc));
        return NULL;
    }
    printf(SOCK_SECURE_EXAMPLE_MODE " server listening on port %u\n", SOCK_SECURE_EXAMPLE_PORT);
    for (;;) {
        sock_secure_session_t *s = NULL;
        rc = sock_secure_recv_any(&sock, &s, buf, sizeof(buf), SOCK_SECURE_NO_TIMEOUT);
        if (rc >= 0) {
            printf("received %d bytes: %.*s\n", rc, rc, buf);
            int sent = sock_secure_session_send(s, buf, (size_t)rc);
            if (sent < 0) {
                printf("error: echo: %s\n", sock_secure_strerror(sent));
            }
        }
        else if (rc == -EMSGSIZE) {
            printf("error: a record larger than %u bytes: dropped with its session\n",
                   (unsigned)sizeof(buf));
            sock_secure_session_close(s);
        }
        else if (rc == -EIO || rc == -EINVAL) {
            printf("error: the server stops: %s\n", sock_secure_strerror(rc));
            break; /* the transport failed: no busy loop on a dead socket */
        }
        /* a session that ended was reported by on_event; its slot is reused */
    }
    sock_secure_close(&sock);
    sock_secure_transport_close(transport);
    return NULL;
}

static int sss_cmd(int argc, char **argv)
{
    sock_secure_stats_t st;

    (void)argc;
    (void)argv;
    /* the counters are read while the server thread may update them: a snapshot for people */
    if (sock_secure_stats(&sock, &st) < 0) {
        puts("server not running");
        return 1;
    }
    printf("open %u handshake %u ok %u failed %u hello_verify %u retransmits %u in %u out %u\n",
           (unsigned)st.sessions_open, (unsigned)st.sessions_handshake,
           (unsigned)st.handshakes_ok, (unsigned)st.handshakes_failed,
           (unsigned)st.hello_verify_sent, (unsigned)st.retransmits,
           (unsigned)st.datagrams_in, (unsigned)st.datagrams_out);
    /* what the server turned away: hellos whose cookie failed, new peers refused (per address,
     * handshake budget, full table), stalled handshakes displaced or expired, datagrams that
     * were no DTLS record of a new peer or for no session */
    printf("bad_cookies %u per_addr %u half_open %u table_full %u displaced %u stalled %u "
           "malformed %u unknown %u\n",
           (unsigned)st.bad_cookies, (unsigned)st.drop_per_addr, (unsigned)st.drop_half_open,
           (unsigned)st.drop_table_full, (unsigned)st.displaced, (unsigned)st.expired_stall,
           (unsigned)st.drop_malformed, (unsigned)st.drop_unknown);
    sock_secure_example_print_heap();
    return 0;
}

static const shell_command_t commands[] = {
    { "sss", "secure_sock server counters", sss_cmd },
    { NULL, NULL, NULL }
};

int main(void)
{
    int rc = sock_secure_init();
    if (rc < 0) {
        printf("error: sock_secure_init: %d\n", rc);
        return 1;
    }
    thread_create(stack, sizeof(stack), THREAD_PRIORITY_MAIN - 1, 0, server, NULL,
                  "secure_server");
    char line_buf[SHELL_DEFAULT_BUFSIZE];
    shell_run(commands, line_buf, SHELL_DEFAULT_BUFSIZE);
    return 0;
}
