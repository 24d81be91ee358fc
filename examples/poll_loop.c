/* One event loop, one poll() over several sockets: a DTLS server on UDP (argv[1], default
 * [::]:5684), a TLS server on TCP (argv[2], default [::]:4433) and standard input (the program
 * ends when it closes). Both secure sockets echo from their event callback; nothing blocks
 * except poll(), whose timeout is the nearer of the two sockets' next timers. */
#define _POSIX_C_SOURCE 200809L
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <secure_sock/sock_secure.h>
#include <secure_sock/posix/tcp.h>
#include <secure_sock/posix/udp.h>

#define PEERS 8
static const uint8_t key[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static const sock_secure_psk_t psk = { (const uint8_t *)"dev1", 4, key, sizeof key };
static sock_secure_session_t dtls_slots[PEERS], tls_slots[PEERS];
static sock_secure_tcp_conn_t conns[PEERS];

/* Called from inside sock_secure_process(): read what came, send it back (never blocks). */
static void on_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                     int err, void *arg)
{
    (void)sock; (void)err; (void)arg;
    if (ev == SOCK_SECURE_EV_DATA) {
        uint8_t buf[1024];
        int n = sock_secure_session_recv(s, buf, sizeof buf, 0);
        if (n > 0) {
            sock_secure_session_send(s, buf, (size_t)n);
        }
    }
}

static int server(sock_secure_t *sock, sock_secure_transport_t *t, sock_secure_session_t *slots)
{
    sock_secure_config_t cfg;
    sock_secure_config_init(&cfg);
    cfg.role = SOCK_SECURE_SERVER;
    cfg.transport = t;
    cfg.sessions = slots; cfg.session_count = PEERS;
    cfg.psk = &psk; cfg.psk_count = 1;
    cfg.event_cb = on_event;
    return sock_secure_create(sock, &cfg);
}

/* poll()'s timeout: the nearer of the two next timers (SOCK_SECURE_NO_TIMEOUT: none) */
static int poll_timeout(sock_secure_t *a, sock_secure_t *b)
{
    uint32_t ta = sock_secure_next_timeout(a), tb = sock_secure_next_timeout(b);
    uint32_t t = ta < tb ? ta : tb;
    return t == SOCK_SECURE_NO_TIMEOUT ? -1 : t > INT_MAX ? INT_MAX : (int)t;
}

int main(int argc, char **argv)
{
    sock_secure_udp_t udp; sock_secure_tcp_t tcp; sock_secure_t dtls, tls;
    sock_secure_ep_t udp_addr, tcp_addr;

    sock_secure_init();
    if (sock_secure_ep_parse(&udp_addr, argc > 1 ? argv[1] : "[::]:5684", 5684) < 0 ||
        sock_secure_ep_parse(&tcp_addr, argc > 2 ? argv[2] : "[::]:4433", 4433) < 0 ||
        sock_secure_udp_open(&udp, &udp_addr) < 0) {
        return 1;
    }
    if (sock_secure_tcp_listen(&tcp, &tcp_addr, conns, PEERS) < 0) {
        sock_secure_transport_close(&udp.base);
        return 1;
    }
    if (server(&dtls, &udp.base, dtls_slots) < 0 || server(&tls, &tcp.base, tls_slots) < 0) {
        return 1;
    }
    printf("listening\n");
    fflush(stdout);
    for (;;) {
        struct pollfd fds[2 + 1 + PEERS]; /* stdin, UDP, the TCP listener and connections */
        fds[0] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
        fds[1] = (struct pollfd){ .fd = udp.fd, .events = POLLIN };
        int n = sock_secure_tcp_pollfds(&tcp, NULL, &fds[2], 1 + PEERS);
        if (n < 0 || poll(fds, (nfds_t)(2 + n), poll_timeout(&dtls, &tls)) < 0) {
            break;
        }
        if (fds[0].revents != 0) {
            char line[256];
            if (read(STDIN_FILENO, line, sizeof line) <= 0) {
                break;                              /* stdin closed: stop */
            }
        }
        sock_secure_transport_wait(&tcp.base, 0);  /* the TCP transport notes what poll() saw */
        sock_secure_process(&dtls);                /* reads what came, runs due timers, */
        sock_secure_process(&tls);                 /* calls on_event */
    }
    sock_secure_close(&dtls);                       /* close_notify to every peer, keys zeroed */
    sock_secure_close(&tls);
    sock_secure_transport_close(&udp.base);
    sock_secure_transport_close(&tcp.base);
    return 0;
}
