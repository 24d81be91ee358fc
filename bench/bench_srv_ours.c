/*
 * bench_srv_ours PORT N
 *
 * Server side of the handshake benchmark: a secure_sock DTLS server on UDP 127.0.0.1:PORT
 * (PSK-AES128-CCM8 only, one session slot, stateless HelloVerifyRequest as always) that serves
 * N client connections one after the other and exits when the N-th client's close_notify has
 * arrived. The clients are bench_hs_bare (plain mbedTLS), run by bench/run.sh.
 * Instructions per served connection: callgrind totals of N=21 minus N=1, over 20.
 * bench_srv_bare does the same work directly against mbedTLS.
 * Output: "srv impl=ours n=.. ok=.. closed=.. hello_verify=.. retransmits=..".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secure_sock/sock_secure.h>
#include <secure_sock/posix/udp.h>

#include "bench_ours.h"


/* Sessions that ended (the client's close_notify, or a failure). Counted from the event: a
 * server may reuse an ended slot for the next peer before recv() has reported the end. */
static unsigned long ended;

static void on_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                     int err, void *arg)
{
    (void)sock;
    (void)s;
    (void)err;
    (void)arg;
    if (ev != SOCK_SECURE_EV_CONNECTED && ev != SOCK_SECURE_EV_DATA) {
        ended++;
    }
}

int main(int argc, char **argv)
{
    static sock_secure_session_t slots[1];
    sock_secure_udp_t udp;
    sock_secure_t srv;
    sock_secure_config_t cfg;
    sock_secure_ep_t local;
    char text[64];
    unsigned char buf[2048];
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT N\n", argv[0]);
        return 2;
    }
    unsigned long port = bench_arg_ulong("PORT", argv[1], 65535);
    unsigned long n = bench_arg_ulong("N", argv[2], 1000000);
    snprintf(text, sizeof text, "127.0.0.1:%lu", port);
    if ((rc = sock_secure_init()) < 0 || (rc = sock_secure_ep_parse(&local, text, 0)) < 0 ||
        (rc = sock_secure_udp_open(&udp, &local)) < 0) {
        fprintf(stderr, "bench_srv_ours: %s\n", sock_secure_strerror(rc));
        return 1;
    }
    bench_config(&cfg, SOCK_SECURE_SERVER, &udp.base, slots, 1);
    cfg.event_cb = on_event;
    if ((rc = sock_secure_create(&srv, &cfg)) < 0) {
        fprintf(stderr, "bench_srv_ours: create: %s\n", sock_secure_strerror(rc));
        return 1;
    }
    printf("ready\n");
    fflush(stdout);

    while (ended < n) {
        sock_secure_session_t *s = NULL;
        rc = sock_secure_recv_any(&srv, &s, buf, sizeof buf, 30000);
        if (rc == -ETIMEDOUT) {
            fprintf(stderr, "bench_srv_ours: no client for 30 s\n");
            break;
        }
    }
    unsigned long closed = ended;
    sock_secure_stats_t st;
    sock_secure_stats(&srv, &st);
    printf("srv impl=ours n=%lu ok=%u closed=%lu hello_verify=%u retransmits=%u failed=%u\n", n,
           st.handshakes_ok, closed, st.hello_verify_sent, st.retransmits, st.handshakes_failed);
    sock_secure_close(&srv);
    sock_secure_transport_close(&udp.base);
    return st.handshakes_ok == n ? 0 : 1;
}
