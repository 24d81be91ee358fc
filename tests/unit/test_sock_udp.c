/* The POSIX UDP transport over loopback: IPv4, IPv6, dual-stack, -EAGAIN, wait timeouts,
 * oversize datagrams, bind conflicts and close; errors about a peer (ICMP port unreachable,
 * sock_secure_udp_peer_errors). Ports are ephemeral (port 0 + sock_secure_transport_local). */
#include <stdint.h>
#include <string.h>

#include "secure_sock/posix/udp.h"
#include "testutil.h"

#define WAIT_MS 2000u /* generous: loopback delivery is immediate in practice */

/* Open a socket on text (port 0), or print a note and return false if the host lacks the
 * address family (the scenario is then skipped). Not for REQUIRE(), which evaluates its argument
 * twice. */
static bool open_or_note(sock_secure_udp_t *udp, const char *text)
{
    sock_secure_ep_t ep = tu_ep(text);
    int rc = sock_secure_udp_open(udp, &ep);

    if (rc == -EAFNOSUPPORT || rc == -EADDRNOTAVAIL || rc == -EPROTONOSUPPORT) {
        printf("note: %s unavailable here (%d): scenario skipped\n", text, rc);
        return false;
    }
    CHECK_EQ(rc, 0);
    return rc == 0;
}

/* Open two sockets on text, or neither. */
static bool open_pair(sock_secure_udp_t *a, sock_secure_udp_t *b, const char *text)
{
    if (!open_or_note(a, text)) {
        return false;
    }
    if (!open_or_note(b, text)) {
        sock_secure_transport_close(&a->base);
        return false;
    }
    return true;
}

/* Send payload from a to b_ep and check that b receives exactly it from want_from. */
static void exchange(sock_secure_udp_t *a, sock_secure_udp_t *b, const sock_secure_ep_t *b_ep,
                     const sock_secure_ep_t *want_from, const char *payload)
{
    uint8_t buf[256];
    sock_secure_ep_t from;
    size_t len = strlen(payload);

    CHECK_EQ(sock_secure_transport_send(&a->base, payload, len, b_ep), (int)len);
    CHECK_EQ(sock_secure_transport_wait(&b->base, WAIT_MS), 1);
    CHECK_EQ(sock_secure_transport_recv(&b->base, buf, sizeof(buf), &from), (int)len);
    CHECK_MEM(buf, payload, len);
    CHECK(sock_secure_ep_equal(&from, want_from));
    if (!sock_secure_ep_equal(&from, want_from)) {
        char got[SOCK_SECURE_EP_STRLEN], want[SOCK_SECURE_EP_STRLEN];
        sock_secure_ep_format(&from, got, sizeof(got));
        sock_secure_ep_format(want_from, want, sizeof(want));
        fprintf(stderr, "  source %s, want %s\n", got, want);
    }
}

static void ipv4_loopback_exchange(void)
{
    sock_secure_udp_t a, b;
    sock_secure_ep_t a_ep, b_ep;

    if (!open_pair(&a, &b, "127.0.0.1:0")) {
        return;
    }
    CHECK_EQ(a.base.flags, SOCK_SECURE_TRANSPORT_DATAGRAM);
    CHECK_EQ(a.family, SOCK_SECURE_AF_INET);
    CHECK_EQ(sock_secure_transport_local(&a.base, &a_ep), 0);
    CHECK_EQ(sock_secure_transport_local(&b.base, &b_ep), 0);
    CHECK_EQ(a_ep.family, SOCK_SECURE_AF_INET);
    CHECK(a_ep.port != 0 && a_ep.port != b_ep.port);
    exchange(&a, &b, &b_ep, &a_ep, "ping over IPv4");
    exchange(&b, &a, &a_ep, &b_ep, "pong");
    sock_secure_transport_close(&a.base);
    sock_secure_transport_close(&b.base);
}

static void ipv6_loopback_exchange(void)
{
    sock_secure_udp_t a, b;
    sock_secure_ep_t a_ep, b_ep;

    if (!open_pair(&a, &b, "[::1]:0")) {
        return;
    }
    CHECK_EQ(a.family, SOCK_SECURE_AF_INET6);
    CHECK_EQ(sock_secure_transport_local(&a.base, &a_ep), 0);
    CHECK_EQ(sock_secure_transport_local(&b.base, &b_ep), 0);
    CHECK_EQ(a_ep.family, SOCK_SECURE_AF_INET6);
    exchange(&a, &b, &b_ep, &a_ep, "ping over IPv6");
    exchange(&b, &a, &a_ep, &b_ep, "pong over IPv6");
    sock_secure_transport_close(&a.base);
    sock_secure_transport_close(&b.base);
}

static void dual_stack_server_sees_ipv4_client_as_ipv4(void)
{
    sock_secure_udp_t server, client;
    sock_secure_ep_t server_v4, client_ep, any;
    static const uint8_t zero[16] = {0};

    if (!open_or_note(&server, "[::]:0")) {
        return;
    }
    if (!open_or_note(&client, "127.0.0.1:0")) {
        sock_secure_transport_close(&server.base);
        return;
    }
    CHECK_EQ(sock_secure_transport_local(&server.base, &any), 0);
    CHECK_EQ(any.family, SOCK_SECURE_AF_INET6);
    CHECK_MEM(any.addr, zero, 16);
    server_v4 = tu_reachable(&server.base, "127.0.0.1:0");
    CHECK_EQ(sock_secure_transport_local(&client.base, &client_ep), 0);
    exchange(&client, &server, &server_v4, &client_ep, "v4 to dual-stack");
    CHECK_EQ(client_ep.family, SOCK_SECURE_AF_INET);
    /* The reply goes to an SOCK_SECURE_AF_INET endpoint from an IPv6 socket (mapped on the wire). */
    exchange(&server, &client, &client_ep, &server_v4, "reply from dual-stack");
    sock_secure_transport_close(&server.base);
    sock_secure_transport_close(&client.base);
}

static void null_local_is_dual_stack_client(void)
{
    sock_secure_udp_t client, server4;
    sock_secure_ep_t local, server_ep, client_v4;
    int rc = sock_secure_udp_open(&client, NULL);

    CHECK_EQ(rc, 0);
    if (rc != 0) {
        return;
    }
    if (!open_or_note(&server4, "127.0.0.1:0")) {
        sock_secure_transport_close(&client.base);
        return;
    }
    CHECK_EQ(sock_secure_transport_local(&client.base, &local), 0);
    CHECK(local.port != 0);
    if (client.family == SOCK_SECURE_AF_INET) {
        printf("note: no IPv6 here: NULL opened 0.0.0.0:0\n");
    }
    CHECK_EQ(sock_secure_transport_local(&server4.base, &server_ep), 0);
    client_v4 = tu_reachable(&client.base, "127.0.0.1:0");
    exchange(&client, &server4, &server_ep, &client_v4, "from the NULL-bound client");
    exchange(&server4, &client, &client_v4, &server_ep, "back to it");
    sock_secure_transport_close(&client.base);
    sock_secure_transport_close(&server4.base);
}

static void recv_when_empty_is_eagain(void)
{
    sock_secure_udp_t a;
    uint8_t buf[16];
    sock_secure_ep_t from;

    if (!open_or_note(&a, "127.0.0.1:0")) {
        return;
    }
    CHECK_EQ(sock_secure_transport_recv(&a.base, buf, sizeof(buf), &from), -EAGAIN);
    CHECK_EQ(sock_secure_transport_wait(&a.base, 0), 0);
    sock_secure_transport_close(&a.base);
}

static void wait_times_out_after_about_the_timeout(void)
{
    sock_secure_udp_t a;
    uint64_t start, elapsed;

    if (!open_or_note(&a, "127.0.0.1:0")) {
        return;
    }
    start = sock_secure_platform_now_ms(NULL);
    CHECK_EQ(sock_secure_transport_wait(&a.base, 150), 0);
    elapsed = sock_secure_platform_now_ms(NULL) - start;
    CHECK(elapsed >= 140); /* poll may round, never by much */
    CHECK(elapsed < 5000); /* generous: only catches "waited forever" */
    sock_secure_transport_close(&a.base);
}

static void wait_returns_at_once_when_readable(void)
{
    sock_secure_udp_t a, b;
    sock_secure_ep_t b_ep;
    uint8_t buf[8];

    if (!open_pair(&a, &b, "127.0.0.1:0")) {
        return;
    }
    CHECK_EQ(sock_secure_transport_local(&b.base, &b_ep), 0);
    CHECK_EQ(sock_secure_transport_send(&a.base, "x", 1, &b_ep), 1);
    CHECK_EQ(sock_secure_transport_wait(&b.base, UINT32_MAX), 1); /* infinite wait, data already there */
    CHECK_EQ(sock_secure_transport_recv(&b.base, buf, sizeof(buf), NULL), 1);
    sock_secure_transport_close(&a.base);
    sock_secure_transport_close(&b.base);
}

static void oversize_datagram_is_emsgsize_and_next_arrives(void)
{
    sock_secure_udp_t a, b;
    sock_secure_ep_t a_ep, b_ep, from;
    uint8_t big[600], buf[100];

    if (!open_pair(&a, &b, "127.0.0.1:0")) {
        return;
    }
    CHECK_EQ(sock_secure_transport_local(&a.base, &a_ep), 0);
    CHECK_EQ(sock_secure_transport_local(&b.base, &b_ep), 0);
    memset(big, 0xab, sizeof(big));
    CHECK_EQ(sock_secure_transport_send(&a.base, big, sizeof(big), &b_ep), (int)sizeof(big));
    CHECK_EQ(sock_secure_transport_send(&a.base, "next", 4, &b_ep), 4);
    CHECK_EQ(sock_secure_transport_wait(&b.base, WAIT_MS), 1);
    CHECK_EQ(sock_secure_transport_recv(&b.base, buf, sizeof(buf), &from), -EMSGSIZE);
    CHECK_EQ(sock_secure_transport_wait(&b.base, WAIT_MS), 1);
    CHECK_EQ(sock_secure_transport_recv(&b.base, buf, sizeof(buf), &from), 4);
    CHECK_MEM(buf, "next", 4);
    CHECK(sock_secure_ep_equal(&from, &a_ep));
    /* A datagram exactly as large as the buffer is not "oversize". */
    CHECK_EQ(sock_secure_transport_send(&a.base, big, sizeof(buf), &b_ep), (int)sizeof(buf));
    CHECK_EQ(sock_secure_transport_wait(&b.base, WAIT_MS), 1);
    CHECK_EQ(sock_secure_transport_recv(&b.base, buf, sizeof(buf), NULL), (int)sizeof(buf));
    CHECK_MEM(buf, big, sizeof(buf));
    sock_secure_transport_close(&a.base);
    sock_secure_transport_close(&b.base);
}

static void empty_datagram_is_received(void)
{
    sock_secure_udp_t a, b;
    sock_secure_ep_t b_ep;
    uint8_t buf[8];

    if (!open_pair(&a, &b, "127.0.0.1:0")) {
        return;
    }
    CHECK_EQ(sock_secure_transport_local(&b.base, &b_ep), 0);
    CHECK_EQ(sock_secure_transport_send(&a.base, NULL, 0, &b_ep), 0);
    CHECK_EQ(sock_secure_transport_wait(&b.base, WAIT_MS), 1);
    CHECK_EQ(sock_secure_transport_recv(&b.base, buf, sizeof(buf), NULL), 0);
    sock_secure_transport_close(&a.base);
    sock_secure_transport_close(&b.base);
}

static void bind_conflict_is_eaddrinuse(void)
{
    sock_secure_udp_t a, b;
    sock_secure_ep_t a_ep;

    if (!open_or_note(&a, "127.0.0.1:0")) {
        return;
    }
    CHECK_EQ(sock_secure_transport_local(&a.base, &a_ep), 0);
    CHECK_EQ(sock_secure_udp_open(&b, &a_ep), -EADDRINUSE);
    CHECK_EQ(b.fd, -1);
    sock_secure_transport_close(&b.base); /* safe after a failed open */
    sock_secure_transport_close(&a.base);
}

/* Datagrams waiting on @p u (read and counted). */
static int drain_count(sock_secure_udp_t *u)
{
    uint8_t buf[64];
    int n = 0;

    while (sock_secure_transport_recv(&u->base, buf, sizeof(buf), NULL) >= 0) {
        n++;
    }
    return n;
}

static void reuseport_shares_the_port_and_keeps_each_client_on_one_socket(void)
{
    sock_secure_udp_t a, b, c, plain;
    sock_secure_ep_t any = tu_ep("127.0.0.1:0"), ep;
    int rc = sock_secure_udp_open_opts(&a, &any, SOCK_SECURE_UDP_REUSEPORT);

    if (rc == -ENOTSUP) {
        printf("note: no SO_REUSEPORT here: scenario skipped\n");
        return;
    }
    CHECK_EQ(rc, 0);
    CHECK_EQ(sock_secure_transport_local(&a.base, &ep), 0);
    CHECK_EQ(sock_secure_udp_open_opts(&b, &ep, SOCK_SECURE_UDP_REUSEPORT), 0);
    /* a socket that does not ask to share cannot join, and unknown options are refused */
    CHECK_EQ(sock_secure_udp_open(&plain, &ep), -EADDRINUSE);
    CHECK_EQ(sock_secure_udp_open_opts(&plain, &any, 0x80u), -EINVAL);
    CHECK_EQ(plain.fd, -1);
    /* each client's datagrams all reach one of the two sockets; together they reach both */
    int total_a = 0, total_b = 0;
    for (int client = 0; client < 4; client++) {
        CHECK_EQ(sock_secure_udp_open(&c, &any), 0);
        for (int i = 0; i < 5; i++) {
            CHECK_EQ(sock_secure_transport_send(&c.base, "x", 1, &ep), 1);
        }
        (void)sock_secure_transport_wait(&a.base, 50);
        (void)sock_secure_transport_wait(&b.base, 50);
        int na = drain_count(&a), nb = drain_count(&b);
        CHECK_EQ(na + nb, 5);
        CHECK(na == 0 || nb == 0);
        total_a += na;
        total_b += nb;
        sock_secure_transport_close(&c.base);
    }
    CHECK_EQ(total_a + total_b, 20);
    sock_secure_transport_close(&b.base);
    sock_secure_transport_close(&a.base);
}

static void ipv6_destination_on_ipv4_socket_is_rejected(void)
{
    sock_secure_udp_t a;
    sock_secure_ep_t v6 = tu_ep("[::1]:9");

    if (!open_or_note(&a, "127.0.0.1:0")) {
        return;
    }
    CHECK_EQ(sock_secure_transport_send(&a.base, "x", 1, &v6), -EAFNOSUPPORT);
    sock_secure_transport_close(&a.base);
}

static void bad_arguments_are_einval(void)
{
    sock_secure_udp_t a;
    sock_secure_ep_t unspec;

    memset(&unspec, 0, sizeof(unspec));
    CHECK_EQ(sock_secure_udp_open(NULL, NULL), -EINVAL);
    CHECK_EQ(sock_secure_udp_open(&a, &unspec), -EINVAL);
    if (!open_or_note(&a, "127.0.0.1:0")) {
        return;
    }
    CHECK_EQ(sock_secure_transport_send(&a.base, "x", 1, NULL), -EINVAL);
    CHECK_EQ(sock_secure_transport_send(&a.base, NULL, 1, &unspec), -EINVAL);
    CHECK_EQ(sock_secure_transport_recv(&a.base, NULL, 1, NULL), -EINVAL);
    CHECK_EQ(sock_secure_transport_local(&a.base, NULL), -EINVAL);
    sock_secure_transport_close(&a.base);
}

static void close_twice_is_safe_and_later_calls_fail(void)
{
    sock_secure_udp_t a;
    sock_secure_ep_t ep = tu_ep("127.0.0.1:9");
    uint8_t buf[4];

    if (!open_or_note(&a, "127.0.0.1:0")) {
        return;
    }
    sock_secure_transport_close(&a.base);
    CHECK_EQ(a.fd, -1);
    sock_secure_transport_close(&a.base);
    CHECK_EQ(sock_secure_transport_recv(&a.base, buf, sizeof(buf), NULL), -EBADF);
    CHECK_EQ(sock_secure_transport_send(&a.base, "x", 1, &ep), -EBADF);
    CHECK_EQ(sock_secure_transport_wait(&a.base, 10), -EBADF);
    CHECK_EQ(sock_secure_transport_local(&a.base, &ep), -EBADF);
}

/* A port on @p text's address where nothing listens (bound, then closed). */
static sock_secure_ep_t closed_port(const char *text)
{
    sock_secure_udp_t t;
    sock_secure_ep_t ep = tu_ep(text);

    if (sock_secure_udp_open(&t, &ep) == 0) {
        CHECK_EQ(sock_secure_transport_local(&t.base, &ep), 0);
        sock_secure_transport_close(&t.base);
    }
    return ep;
}

/* Turn peer errors on, or note why not (not Linux). */
static bool peer_errors_or_note(sock_secure_udp_t *udp)
{
    int rc = sock_secure_udp_peer_errors(udp, true);

    if (rc == -ENOTSUP) {
        printf("note: no ICMP errors on unconnected sockets here: scenario skipped\n");
        return false;
    }
    CHECK_EQ(rc, 0);
    return rc == 0;
}

/* Send to @p dead from @p a, then expect recv to name it with -ECONNREFUSED, once. */
static void expect_refused(sock_secure_udp_t *a, const sock_secure_ep_t *dead, const sock_secure_ep_t *want)
{
    uint8_t buf[64];
    sock_secure_ep_t from;

    CHECK_EQ(sock_secure_transport_send(&a->base, "anyone?", 7, dead), 7);
    CHECK_EQ(sock_secure_transport_wait(&a->base, WAIT_MS), 1); /* POLLERR */
    from.family = SOCK_SECURE_AF_UNSPEC;
    CHECK_EQ(sock_secure_transport_recv(&a->base, buf, sizeof(buf), &from), -ECONNREFUSED);
    CHECK(sock_secure_ep_equal(&from, want));
    CHECK_EQ(sock_secure_transport_recv(&a->base, buf, sizeof(buf), &from), -EAGAIN); /* reported once */
    CHECK_EQ(sock_secure_transport_wait(&a->base, 0), 0);                             /* and no POLLERR left */
}

/* On from open where the system has them (the core takes them: docs/DESIGN.md, "Errors about a
 * peer (ICMP)"); off again, the OS drops them. */
static void peer_errors_are_on_by_default(void)
{
    sock_secure_udp_t a;
    sock_secure_ep_t dead = closed_port("127.0.0.1:0");
    uint8_t buf[16];

    if (!open_or_note(&a, "127.0.0.1:0")) {
        return;
    }
#if defined(__linux__)
    CHECK(a.peer_errors);
#endif
    if (a.peer_errors) {
        expect_refused(&a, &dead, &dead);
        CHECK_EQ(sock_secure_udp_peer_errors(&a, false), 0);
    } else {
        printf("note: no ICMP errors on unconnected sockets here: off\n");
    }
    CHECK(!a.peer_errors);
    CHECK_EQ(sock_secure_transport_send(&a.base, "x", 1, &dead), 1);
    CHECK_EQ(sock_secure_transport_wait(&a.base, 200), 0); /* the ICMP error is dropped by the OS */
    CHECK_EQ(sock_secure_transport_recv(&a.base, buf, sizeof(buf), NULL), -EAGAIN);
    sock_secure_transport_close(&a.base);
}

static void port_unreachable_is_econnrefused_naming_the_peer(void)
{
    static const char *const addrs[] = { "127.0.0.1:0", "[::1]:0" };

    for (size_t i = 0; i < 2; i++) {
        sock_secure_udp_t a;
        sock_secure_ep_t dead = closed_port(addrs[i]);

        if (!open_or_note(&a, addrs[i])) {
            continue;
        }
        if (peer_errors_or_note(&a)) {
            expect_refused(&a, &dead, &dead);
            expect_refused(&a, &dead, &dead); /* again: each error once, in turn */
        }
        sock_secure_transport_close(&a.base);
    }
}

static void dual_stack_socket_names_an_ipv4_peer_as_ipv4(void)
{
    sock_secure_udp_t a;
    sock_secure_ep_t dead = closed_port("127.0.0.1:0");

    if (sock_secure_udp_open(&a, NULL) != 0) {
        CHECK(0);
        return;
    }
    if (peer_errors_or_note(&a)) {
        CHECK_EQ(dead.family, SOCK_SECURE_AF_INET);
        expect_refused(&a, &dead, &dead); /* ::ffff:127.0.0.1 on the wire, SOCK_SECURE_AF_INET here */
    }
    sock_secure_transport_close(&a.base);
}

/* The OS hands a pending ICMP error to the next sendto() too: a datagram to a live peer must
 * still go, and the error still be reported by recv, naming the dead peer. */
static void send_to_a_live_peer_after_an_error_still_goes(void)
{
    sock_secure_udp_t a, b;
    sock_secure_ep_t dead = closed_port("127.0.0.1:0");
    sock_secure_ep_t a_ep, b_ep, from;
    uint8_t buf[64];

    if (!open_pair(&a, &b, "127.0.0.1:0")) {
        return;
    }
    if (peer_errors_or_note(&a)) {
        CHECK_EQ(sock_secure_transport_local(&a.base, &a_ep), 0);
        CHECK_EQ(sock_secure_transport_local(&b.base, &b_ep), 0);
        CHECK_EQ(sock_secure_transport_send(&a.base, "dead?", 5, &dead), 5);
        CHECK_EQ(sock_secure_transport_wait(&a.base, WAIT_MS), 1); /* the error is pending now */
        exchange(&a, &b, &b_ep, &a_ep, "to the live one");
        exchange(&b, &a, &a_ep, &b_ep, "reply"); /* data waiting beside the error */
        from.family = SOCK_SECURE_AF_UNSPEC;
        CHECK_EQ(sock_secure_transport_recv(&a.base, buf, sizeof(buf), &from), -ECONNREFUSED);
        CHECK(sock_secure_ep_equal(&from, &dead));
        CHECK_EQ(sock_secure_transport_recv(&a.base, buf, sizeof(buf), &from), -EAGAIN);
        CHECK_EQ(sock_secure_transport_wait(&a.base, 0), 0);
    }
    sock_secure_transport_close(&a.base);
    sock_secure_transport_close(&b.base);
}

static void peer_errors_off_again_drops_them(void)
{
    sock_secure_udp_t a;
    sock_secure_ep_t dead = closed_port("127.0.0.1:0");
    uint8_t buf[16];

    if (!open_or_note(&a, "127.0.0.1:0")) {
        return;
    }
    if (peer_errors_or_note(&a)) {
        CHECK_EQ(sock_secure_transport_send(&a.base, "x", 1, &dead), 1);
        CHECK_EQ(sock_secure_transport_wait(&a.base, WAIT_MS), 1);
        CHECK_EQ(sock_secure_udp_peer_errors(&a, false), 0); /* the queued error is discarded */
        CHECK_EQ(sock_secure_transport_recv(&a.base, buf, sizeof(buf), NULL), -EAGAIN);
        CHECK_EQ(sock_secure_transport_wait(&a.base, 0), 0);
    }
    sock_secure_transport_close(&a.base);
    CHECK_EQ(sock_secure_udp_peer_errors(&a, true), -EBADF);
    CHECK_EQ(sock_secure_udp_peer_errors(NULL, true), -EBADF);
}

int main(void)
{
    RUN(ipv4_loopback_exchange);
    RUN(ipv6_loopback_exchange);
    RUN(dual_stack_server_sees_ipv4_client_as_ipv4);
    RUN(null_local_is_dual_stack_client);
    RUN(recv_when_empty_is_eagain);
    RUN(wait_times_out_after_about_the_timeout);
    RUN(wait_returns_at_once_when_readable);
    RUN(oversize_datagram_is_emsgsize_and_next_arrives);
    RUN(empty_datagram_is_received);
    RUN(bind_conflict_is_eaddrinuse);
    RUN(reuseport_shares_the_port_and_keeps_each_client_on_one_socket);
    RUN(ipv6_destination_on_ipv4_socket_is_rejected);
    RUN(bad_arguments_are_einval);
    RUN(close_twice_is_safe_and_later_calls_fail);
    RUN(peer_errors_are_on_by_default);
    RUN(port_unreachable_is_econnrefused_naming_the_peer);
    RUN(dual_stack_socket_names_an_ipv4_peer_as_ipv4);
    RUN(send_to_a_live_peer_after_an_error_still_goes);
    RUN(peer_errors_off_again_drops_them);
    return tu_exit();
}
