/* The POSIX TCP transport over loopback: connections multiplexed by peer endpoint, IPv4, IPv6 and
 * dual-stack, round-robin fairness, 1 MB each way through tiny buffers, the end of a connection
 * (orderly, reset, refused, no free slot) reported once with its peer, new connections accepted one
 * per recv in turns with reads, disconnect, close and bad
 * arguments. Ports are ephemeral (port 0 + sock_secure_transport_local). Peers that must misbehave (reset) are
 * plain POSIX sockets. A few checks look at the private slot fields to prove a slot was freed. */
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "secure_sock/posix/tcp.h"
#include "testutil.h"

#define WAIT_MS 5000u /* generous: loopback is immediate in practice */
#define MAX_SLOTS 4

/* ---- helpers -------------------------------------------------------------------------------- */

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void print_ep(const char *what, const sock_secure_ep_t *ep)
{
    char text[SOCK_SECURE_EP_STRLEN];
    if (sock_secure_ep_format(ep, text, sizeof(text)) < 0) {
        strcpy(text, "(none)");
    }
    fprintf(stderr, "  %s %s\n", what, text);
}

/* CHECK that got is want, printing both when not. */
#define CHECK_EP(got, want)                                                                    \
    do {                                                                                       \
        CHECK(sock_secure_ep_equal((got), (want)));                                                   \
        if (!sock_secure_ep_equal((got), (want))) {                                                   \
            print_ep("got ", (got));                                                           \
            print_ep("want", (want));                                                          \
        }                                                                                      \
    } while (0)

/* Listen on text (port 0) with n slots, or print a note and return false if the host lacks the
 * address family (the scenario is then skipped). */
static bool listen_or_note(sock_secure_tcp_t *srv, const char *text, sock_secure_tcp_conn_t *conns, size_t n)
{
    sock_secure_ep_t ep = tu_ep(text);
    int rc = sock_secure_tcp_listen(srv, &ep, conns, n);

    if (rc == -EAFNOSUPPORT || rc == -EADDRNOTAVAIL || rc == -EPROTONOSUPPORT) {
        printf("note: %s unavailable here (%d): scenario skipped\n", text, rc);
        return false;
    }
    CHECK_EQ(rc, 0);
    return rc == 0;
}

/* sock_secure_transport_recv, passing over the one-time notices of newly accepted connections (0 bytes). */
static int recv_data(sock_secure_transport_t *t, void *buf, size_t len, sock_secure_ep_t *remote)
{
    int rc;
    do {
        rc = sock_secure_transport_recv(t, buf, len, remote);
    } while (rc == 0);
    return rc;
}

/* recv, waiting up to ms for something other than -EAGAIN. remote's family is UNSPEC unless the
 * transport set it. */
static int recv_wait(sock_secure_tcp_t *t, void *buf, size_t len, sock_secure_ep_t *remote, uint32_t ms)
{
    uint64_t end = now_ms() + ms;
    int rc;

    for (;;) {
        memset(remote, 0, sizeof(*remote));
        remote->family = SOCK_SECURE_AF_UNSPEC;
        rc = recv_data(&t->base, buf, len, remote);
        if (rc != -EAGAIN || now_ms() >= end) {
            return rc;
        }
        (void)sock_secure_transport_wait(&t->base, (uint32_t)(end - now_ms()));
    }
}

/* Send all of buf to remote, waiting while the transport says -EAGAIN. Returns len or the
 * error. */
static int send_all(sock_secure_tcp_t *t, const void *buf, size_t len, const sock_secure_ep_t *remote)
{
    const uint8_t *p = buf;
    size_t done = 0;
    uint64_t end = now_ms() + WAIT_MS;

    while (done < len) {
        int rc = sock_secure_transport_send(&t->base, p + done, len - done, remote);
        if (rc > 0) {
            done += (size_t)rc;
        } else if (rc == -EAGAIN && now_ms() < end) {
            (void)sock_secure_transport_wait(&t->base, 100);
        } else {
            return rc;
        }
    }
    return (int)len;
}

/* Receive exactly len bytes from want_from (failing on anything else). */
static void recv_exactly(sock_secure_tcp_t *t, void *buf, size_t len, const sock_secure_ep_t *want_from)
{
    uint8_t *p = buf;
    size_t got = 0;

    while (got < len) {
        sock_secure_ep_t from;
        int rc = recv_wait(t, p + got, len - got, &from, WAIT_MS);
        CHECK(rc > 0);
        if (rc <= 0) {
            fprintf(stderr, "  recv: %d (%s)\n", rc, sock_secure_strerror(rc));
            return;
        }
        CHECK_EP(&from, want_from);
        got += (size_t)rc;
    }
}

/* Open a client with one slot and connect it to to; the connect completes in the background. */
static bool client_connect(sock_secure_tcp_t *cli, sock_secure_tcp_conn_t *slot, size_t n, const sock_secure_ep_t *to)
{
    int rc;

    CHECK_EQ(sock_secure_tcp_open(cli, slot, n), 0);
    rc = cli->base.ops->connect(&cli->base, to);
    CHECK(rc == -EINPROGRESS || rc == 0);
    if (rc != -EINPROGRESS && rc != 0) {
        fprintf(stderr, "  connect: %d (%s)\n", rc, sock_secure_strerror(rc));
        return false;
    }
    return true;
}

/* Server accepts until it has `want` connections (recv returns -EAGAIN: no data sent yet). */
static void accept_until(sock_secure_tcp_t *srv, uint32_t want)
{
    uint64_t end = now_ms() + WAIT_MS;
    uint8_t buf[16];
    sock_secure_ep_t from;

    while (srv->accepted < want && now_ms() < end) {
        (void)sock_secure_transport_wait(&srv->base, 100);
        CHECK_EQ(recv_data(&srv->base, buf, sizeof(buf), &from), -EAGAIN);
    }
    CHECK_EQ(srv->accepted, want);
}

/* Is the (private) fd readable within ms? Used to make sure bytes arrived before a check. */
static bool fd_readable(int fd, int ms)
{
    struct pollfd pfd = {fd, POLLIN, 0};
    return poll(&pfd, 1, ms) == 1;
}

/* Slots in use (private fields: a free slot has fd -1 and state 0). */
static size_t live_slots(const sock_secure_tcp_conn_t *conns, size_t n)
{
    size_t live = 0;
    for (size_t i = 0; i < n; i++) {
        live += (conns[i].fd >= 0 || conns[i].state != 0) ? 1u : 0u;
    }
    return live;
}

/* A port nothing listens on: bind an ephemeral one and close it. */
static sock_secure_ep_t closed_port_ep(void)
{
    struct sockaddr_in sin;
    socklen_t sl = (socklen_t)sizeof(sin);
    sock_secure_ep_t ep = tu_ep("127.0.0.1:0");
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK_EQ(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    CHECK_EQ(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    ep.port = ntohs(sin.sin_port);
    close(fd);
    return ep;
}

/* A plain blocking IPv4 client socket connected to to; its local endpoint in *local. */
static int raw_connect4(const sock_secure_ep_t *to, sock_secure_ep_t *local)
{
    struct sockaddr_in sin;
    socklen_t sl = (socklen_t)sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(to->port);
    memcpy(&sin.sin_addr, to->addr, 4);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        CHECK(!"raw connect");
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    CHECK_EQ(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
    memset(local, 0, sizeof(*local));
    local->family = SOCK_SECURE_AF_INET;
    local->port = ntohs(sin.sin_port);
    memcpy(local->addr, &sin.sin_addr, 4);
    return fd;
}

/* ---- scenarios ------------------------------------------------------------------------------ */

/* Client connects (in progress, then writable), sends; the server gets the bytes with the
 * client's endpoint and answers; the client gets the answer with the server's endpoint. */
static void exchange_over(const char *listen_text, const char *loopback_text)
{
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], cconn[1];
    sock_secure_tcp_t srv, cli;
    sock_secure_ep_t srv_ep, cli_ep, from;
    uint8_t buf[64];
    int rc;

    if (!listen_or_note(&srv, listen_text, sconns, MAX_SLOTS)) {
        return;
    }
    CHECK_EQ(srv.base.flags, SOCK_SECURE_TRANSPORT_STREAM);
    CHECK(srv.base.ops->connect != NULL && srv.base.ops->disconnect != NULL);
    srv_ep = tu_reachable(&srv.base, loopback_text);
    if (!client_connect(&cli, cconn, 1, &srv_ep)) {
        sock_secure_transport_close(&srv.base);
        return;
    }
    CHECK_EQ(cli.base.flags, SOCK_SECURE_TRANSPORT_STREAM);
    /* the connect finishes: wait reports it and the connection is writable */
    CHECK_EQ(sock_secure_transport_wait(&cli.base, WAIT_MS), 1);
    CHECK_EQ(sock_secure_transport_local(&cli.base, &cli_ep), 0);
    CHECK(cli_ep.port != 0);
    /* the accepted connection is announced once, with its peer, before any byte */
    uint64_t end = now_ms() + WAIT_MS;
    do {
        (void)sock_secure_transport_wait(&srv.base, 100);
        from.family = SOCK_SECURE_AF_UNSPEC;
        rc = sock_secure_transport_recv(&srv.base, buf, sizeof(buf), &from);
    } while (rc == -EAGAIN && now_ms() < end);
    CHECK_EQ(rc, 0);
    CHECK_EP(&from, &cli_ep);
    CHECK_EQ(sock_secure_transport_recv(&srv.base, buf, sizeof(buf), &from), -EAGAIN); /* once */
    CHECK_EQ(send_all(&cli, "hello", 5, &srv_ep), 5);

    rc = recv_wait(&srv, buf, sizeof(buf), &from, WAIT_MS);
    CHECK_EQ(rc, 5);
    CHECK_MEM(buf, "hello", 5);
    CHECK_EP(&from, &cli_ep);
    CHECK_EQ(srv.accepted, 1);
    CHECK_EQ(srv.refused, 0);

    CHECK_EQ(send_all(&srv, "world!", 6, &cli_ep), 6);
    rc = recv_wait(&cli, buf, sizeof(buf), &from, WAIT_MS);
    CHECK_EQ(rc, 6);
    CHECK_MEM(buf, "world!", 6);
    CHECK_EP(&from, &srv_ep);

    sock_secure_transport_close(&cli.base);
    sock_secure_transport_close(&srv.base);
}

static void ipv4_connect_send_and_answer(void)
{
    exchange_over("127.0.0.1:0", "127.0.0.1");
}

static void ipv6_connect_send_and_answer(void)
{
    exchange_over("[::1]:0", "[::1]");
}

/* A listener on [::] is dual-stack: an IPv4 client is seen as a SOCK_SECURE_AF_INET endpoint. */
static void dual_stack_listener_sees_ipv4_peer_as_ipv4(void)
{
    exchange_over("[::]:0", "127.0.0.1");
}

/* Three clients send tokens in rounds; the server reads in small pieces; every byte is
 * attributed to the connection that sent it. */
static void interleaved_connections_each_byte_attributed(void)
{
    enum { NCLI = 3, ROUNDS = 20 };
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], cconn[NCLI][1];
    sock_secure_tcp_t srv, cli[NCLI];
    sock_secure_ep_t srv_ep, cli_ep[NCLI];
    char want[NCLI][ROUNDS * 16], got[NCLI][ROUNDS * 16];
    size_t want_len[NCLI] = {0}, got_len[NCLI] = {0}, total = 0, expect = 0;
    uint64_t end;

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    srv_ep = tu_reachable(&srv.base, "127.0.0.1");
    for (int k = 0; k < NCLI; k++) {
        REQUIRE(client_connect(&cli[k], cconn[k], 1, &srv_ep));
        CHECK_EQ(sock_secure_transport_wait(&cli[k].base, WAIT_MS), 1);
        CHECK_EQ(sock_secure_transport_local(&cli[k].base, &cli_ep[k]), 0);
    }
    for (int r = 0; r < ROUNDS; r++) {
        for (int k = 0; k < NCLI; k++) {
            char tok[16];
            int n = snprintf(tok, sizeof(tok), "c%dr%d;", k, r);
            CHECK_EQ(send_all(&cli[k], tok, (size_t)n, &srv_ep), n);
            memcpy(want[k] + want_len[k], tok, (size_t)n);
            want_len[k] += (size_t)n;
            expect += (size_t)n;
        }
    }
    end = now_ms() + WAIT_MS;
    while (total < expect && now_ms() < end) {
        uint8_t buf[7]; /* small: tokens are split across reads */
        sock_secure_ep_t from;
        int k, rc = recv_wait(&srv, buf, sizeof(buf), &from, WAIT_MS);
        if (rc <= 0) {
            CHECK_EQ(rc, 1);
            break;
        }
        for (k = 0; k < NCLI && !sock_secure_ep_equal(&from, &cli_ep[k]); k++) {
        }
        CHECK(k < NCLI);
        if (k == NCLI || got_len[k] + (size_t)rc > sizeof(got[k])) {
            break;
        }
        memcpy(got[k] + got_len[k], buf, (size_t)rc);
        got_len[k] += (size_t)rc;
        total += (size_t)rc;
    }
    for (int k = 0; k < NCLI; k++) {
        CHECK_EQ(got_len[k], want_len[k]);
        CHECK_MEM(got[k], want[k], want_len[k]);
        sock_secure_transport_close(&cli[k].base);
    }
    CHECK_EQ(srv.accepted, NCLI);
    sock_secure_transport_close(&srv.base);
}

/* Both clients have 8 KB queued at the server; read 512 bytes at a time, the server never reads
 * one connection twice in a row while the other still has unread bytes. */
/* New connections leave the listen queue one per recv, each reported before the next is
 * accepted (so the secure socket judges each one), taking turns with reads: a burst of
 * connections neither fills every slot at once nor holds up the bytes of an open connection. */
static void new_connections_come_one_per_recv_taking_turns_with_reads(void)
{
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], cconn[3][1];
    sock_secure_tcp_t srv, cli[3];
    sock_secure_ep_t srv_ep, from;
    uint8_t buf[1];
    int rc;

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    srv_ep = tu_reachable(&srv.base, "127.0.0.1");
    REQUIRE(client_connect(&cli[0], cconn[0], 1, &srv_ep));
    CHECK_EQ(sock_secure_transport_wait(&cli[0].base, WAIT_MS), 1);
    accept_until(&srv, 1);
    CHECK_EQ(send_all(&cli[0], "aaa", 3, &srv_ep), 3);
    for (int k = 1; k < 3; k++) { /* two more wait in the listen queue */
        REQUIRE(client_connect(&cli[k], cconn[k], 1, &srv_ep));
        CHECK_EQ(sock_secure_transport_wait(&cli[k].base, WAIT_MS), 1);
    }
    CHECK(fd_readable(sconns[0].fd, (int)WAIT_MS));
    CHECK(fd_readable(srv.listen_fd, (int)WAIT_MS));
    /* one byte at a time: a read, a new connection, a read, a new connection, a read */
    static const int want[5] = { 1, 0, 1, 0, 1 };
    static const uint32_t accepted[5] = { 1, 2, 2, 3, 3 };
    for (int i = 0; i < 5; i++) {
        rc = sock_secure_transport_recv(&srv.base, buf, sizeof(buf), &from);
        CHECK_EQ(rc, want[i]);
        CHECK_EQ(srv.accepted, accepted[i]); /* never more than the one being reported */
    }
    CHECK_EQ(sock_secure_transport_recv(&srv.base, buf, sizeof(buf), &from), -EAGAIN);
    CHECK_EQ(srv.refused, 0);
    for (int k = 0; k < 3; k++) {
        sock_secure_transport_close(&cli[k].base);
    }
    sock_secure_transport_close(&srv.base);
}

static void busy_connection_does_not_starve_another(void)
{
    enum { EACH = 8192, PIECE = 512 };
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], cconn[2][1];
    sock_secure_tcp_t srv, cli[2];
    sock_secure_ep_t srv_ep, cli_ep[2];
    static uint8_t data[EACH];
    size_t got[2] = {0, 0};
    int last = -1, turns_violated = 0, reads = 0;

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    srv_ep = tu_reachable(&srv.base, "127.0.0.1");
    for (int k = 0; k < 2; k++) {
        REQUIRE(client_connect(&cli[k], cconn[k], 1, &srv_ep));
        CHECK_EQ(sock_secure_transport_wait(&cli[k].base, WAIT_MS), 1);
        CHECK_EQ(sock_secure_transport_local(&cli[k].base, &cli_ep[k]), 0);
    }
    accept_until(&srv, 2);
    for (int k = 0; k < 2; k++) {
        memset(data, 'A' + k, sizeof(data));
        CHECK_EQ(send_all(&cli[k], data, sizeof(data), &srv_ep), EACH);
    }
    for (int i = 0; i < 2; i++) { /* both connections' bytes have arrived */
        CHECK(fd_readable(sconns[i].fd, (int)WAIT_MS));
    }
    while (got[0] + got[1] < 2u * EACH && reads < 1000) {
        uint8_t buf[PIECE];
        sock_secure_ep_t from;
        int k, rc = recv_wait(&srv, buf, sizeof(buf), &from, WAIT_MS);
        reads++;
        if (rc <= 0) {
            CHECK_EQ(rc, 1);
            break;
        }
        CHECK(rc <= PIECE);
        k = sock_secure_ep_equal(&from, &cli_ep[0]) ? 0 : sock_secure_ep_equal(&from, &cli_ep[1]) ? 1 : -1;
        CHECK(k >= 0);
        if (k < 0) {
            break;
        }
        for (int i = 0; i < rc; i++) {
            if (buf[i] != 'A' + k) {
                CHECK(!"byte attributed to the wrong connection");
                break;
            }
        }
        if (k == last && got[1 - k] < EACH) {
            turns_violated++;
        }
        got[k] += (size_t)rc;
        last = k;
    }
    CHECK_EQ(got[0], EACH);
    CHECK_EQ(got[1], EACH);
    CHECK_EQ(turns_violated, 0);
    for (int k = 0; k < 2; k++) {
        sock_secure_transport_close(&cli[k].base);
    }
    sock_secure_transport_close(&srv.base);
}

/* Byte i of direction d: a position-dependent pattern, so any loss or reordering shows. */
static uint8_t pattern(size_t i, unsigned d)
{
    uint32_t x = (uint32_t)i * 2654435761u + d * 0x9e3779b9u;
    x ^= x >> 15;
    x *= 0x85ebca6bu;
    x ^= x >> 13;
    return (uint8_t)x;
}

/* One direction of the bulk transfer. */
typedef struct {
    sock_secure_tcp_t *t;
    const sock_secure_ep_t *peer;
    unsigned dir_out, dir_in;
    size_t sent, rcvd, errors;
    unsigned partial, eagain;
    bool blocked; /* the last send said -EAGAIN */
} bulk_side_t;

static bool bulk_step(bulk_side_t *s, size_t total)
{
    uint8_t buf[16384];
    bool progress = false;
    int rc;

    s->blocked = false;
    while (s->sent < total) { /* send until the transport pushes back */
        size_t n = total - s->sent;
        n = n < sizeof(buf) ? n : sizeof(buf);
        for (size_t i = 0; i < n; i++) {
            buf[i] = pattern(s->sent + i, s->dir_out);
        }
        rc = sock_secure_transport_send(&s->t->base, buf, n, s->peer);
        if (rc > 0) {
            s->sent += (size_t)rc;
            s->partial += ((size_t)rc < n) ? 1u : 0u;
            progress = true;
            continue;
        }
        if (rc == -EAGAIN) {
            s->eagain++;
            s->blocked = true;
        } else {
            CHECK_EQ(rc, 0);
            s->errors++;
        }
        break;
    }
    for (;;) {
        sock_secure_ep_t from;
        rc = recv_data(&s->t->base, buf, sizeof(buf), &from);
        if (rc <= 0) {
            if (rc != -EAGAIN) {
                CHECK_EQ(rc, -EAGAIN);
                s->errors++;
            }
            break;
        }
        CHECK_EP(&from, s->peer);
        for (int i = 0; i < rc; i++) {
            if (buf[i] != pattern(s->rcvd + (size_t)i, s->dir_in)) {
                CHECK(!"bulk byte differs");
                s->errors++;
                break;
            }
        }
        s->rcvd += (size_t)rc;
        progress = true;
    }
    return progress;
}

/* 1 MB each way at once with 4 KB socket buffers: partial writes and -EAGAIN, resumed by wait();
 * every byte arrives, in order, attributed to the right peer. */
static void megabyte_each_way_through_tiny_buffers(void)
{
    const size_t total = 1024u * 1024u;
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], cconn[1];
    sock_secure_tcp_t srv, cli;
    sock_secure_ep_t srv_ep, cli_ep;
    bulk_side_t a, b;
    uint64_t end;
    unsigned waits = 0, timeouts = 0;

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    CHECK_EQ(sock_secure_tcp_set_buffers(&srv, 4096, 4096), 0);
    srv_ep = tu_reachable(&srv.base, "127.0.0.1");
    CHECK_EQ(sock_secure_tcp_open(&cli, cconn, 1), 0);
    CHECK_EQ(sock_secure_tcp_set_buffers(&cli, 4096, 4096), 0);
    {
        int rc = cli.base.ops->connect(&cli.base, &srv_ep);
        CHECK(rc == 0 || rc == -EINPROGRESS);
    }
    CHECK_EQ(sock_secure_transport_wait(&cli.base, WAIT_MS), 1);
    CHECK_EQ(sock_secure_transport_local(&cli.base, &cli_ep), 0);
    accept_until(&srv, 1);

    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.t = &cli;
    a.peer = &srv_ep;
    a.dir_out = 1;
    a.dir_in = 2;
    b.t = &srv;
    b.peer = &cli_ep;
    b.dir_out = 2;
    b.dir_in = 1;
    end = now_ms() + 60000u;
    while ((a.sent < total || a.rcvd < total || b.sent < total || b.rcvd < total) &&
           a.errors == 0 && b.errors == 0 && now_ms() < end) {
        bool pa = bulk_step(&a, total);
        bool pb = bulk_step(&b, total);
        /* both senders blocked: the client resumes when wait() says so. It must: the server's
         * step sent to it or found its window full, so the client has bytes to read or soon will.
         * (Not so the server: in one thread it could be waiting for ourselves to read.) */
        if (a.blocked && b.blocked) {
            waits++;
            timeouts += (sock_secure_transport_wait(&cli.base, WAIT_MS) == 1) ? 0u : 1u;
        }
        if (!pa && !pb && !a.blocked && !b.blocked) { /* only bytes in flight: let them land */
            (void)sock_secure_transport_wait(&srv.base, 20);
            (void)sock_secure_transport_wait(&cli.base, 20);
        }
    }
    CHECK_EQ(a.sent, total);
    CHECK_EQ(b.sent, total);
    CHECK_EQ(a.rcvd, total);
    CHECK_EQ(b.rcvd, total);
    CHECK_EQ(timeouts, 0);
    CHECK(a.partial > 0 && a.eagain > 0); /* the tiny buffers did push back */
    CHECK(b.partial > 0 && b.eagain > 0);
    printf("note: bulk: client %u partial, %u EAGAIN; server %u partial, %u EAGAIN; %u waits\n",
           a.partial, a.eagain, b.partial, b.eagain, waits);
    sock_secure_transport_close(&cli.base);
    sock_secure_transport_close(&srv.base);
}

/* A send that got -EAGAIN: wait() does not return while the connection stays blocked, and
 * returns 1 once the peer has read (the connection is writable again). */
static void blocked_send_resumes_after_wait(void)
{
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], cconn[1];
    sock_secure_tcp_t srv, cli;
    sock_secure_ep_t srv_ep, from;
    static uint8_t chunk[8192];
    size_t sent = 0, drained = 0;
    int blocked_wait = -1;

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    CHECK_EQ(sock_secure_tcp_set_buffers(&srv, 4096, 4096), 0);
    srv_ep = tu_reachable(&srv.base, "127.0.0.1");
    CHECK_EQ(sock_secure_tcp_open(&cli, cconn, 1), 0);
    CHECK_EQ(sock_secure_tcp_set_buffers(&cli, 4096, 4096), 0);
    REQUIRE(cli.base.ops->connect(&cli.base, &srv_ep) <= 0);
    CHECK_EQ(sock_secure_transport_wait(&cli.base, WAIT_MS), 1);
    accept_until(&srv, 1);
    memset(chunk, 'z', sizeof(chunk));

    /* fill until blocked, and until wait agrees that it stays blocked */
    for (int round = 0; round < 50 && blocked_wait != 0; round++) {
        int rc;
        while ((rc = sock_secure_transport_send(&cli.base, chunk, sizeof(chunk), &srv_ep)) > 0) {
            sent += (size_t)rc;
        }
        CHECK_EQ(rc, -EAGAIN);
        blocked_wait = sock_secure_transport_wait(&cli.base, 100);
    }
    CHECK_EQ(blocked_wait, 0);
    CHECK_EQ(cconn[0].want_write, 1);
    CHECK(sent > 0);

    /* the server reads what it can: the client becomes writable */
    for (;;) {
        uint8_t buf[4096];
        int rc = recv_data(&srv.base, buf, sizeof(buf), &from);
        if (rc <= 0) {
            CHECK_EQ(rc, -EAGAIN);
            break;
        }
        drained += (size_t)rc;
    }
    CHECK(drained > 0);
    CHECK_EQ(sock_secure_transport_wait(&cli.base, WAIT_MS), 1);
    CHECK_EQ(cconn[0].want_write, 0);
    CHECK(sock_secure_transport_send(&cli.base, chunk, 1, &srv_ep) == 1);
    sock_secure_transport_close(&cli.base);
    sock_secure_transport_close(&srv.base);
}

/* The client closes after sending: the server reads the bytes, then -EPIPE with the client's
 * endpoint, once; the slot is then free and the peer unknown. */
static void orderly_close_is_epipe_once_then_slot_free(void)
{
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], cconn[1];
    sock_secure_tcp_t srv, cli;
    sock_secure_ep_t srv_ep, cli_ep, from;
    uint8_t buf[16];

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    srv_ep = tu_reachable(&srv.base, "127.0.0.1");
    REQUIRE(client_connect(&cli, cconn, 1, &srv_ep));
    CHECK_EQ(sock_secure_transport_wait(&cli.base, WAIT_MS), 1);
    CHECK_EQ(sock_secure_transport_local(&cli.base, &cli_ep), 0);
    CHECK_EQ(send_all(&cli, "last", 4, &srv_ep), 4);
    sock_secure_transport_close(&cli.base);

    recv_exactly(&srv, buf, 4, &cli_ep);
    CHECK_MEM(buf, "last", 4);
    CHECK_EQ(recv_wait(&srv, buf, sizeof(buf), &from, WAIT_MS), -EPIPE);
    CHECK_EP(&from, &cli_ep);
    CHECK_EQ(live_slots(sconns, MAX_SLOTS), 0);
    CHECK_EQ(recv_wait(&srv, buf, sizeof(buf), &from, 100), -EAGAIN); /* reported once */
    CHECK_EQ(from.family, SOCK_SECURE_AF_UNSPEC);
    CHECK_EQ(sock_secure_transport_send(&srv.base, "x", 1, &cli_ep), -ENOTCONN);
    sock_secure_transport_close(&srv.base);
}

/* The peer closes with SO_LINGER 0 (RST): -ECONNRESET with its endpoint. */
static void peer_reset_is_econnreset(void)
{
    sock_secure_tcp_conn_t sconns[MAX_SLOTS];
    sock_secure_tcp_t srv;
    sock_secure_ep_t srv_ep, raw_ep, from;
    struct linger lg = {1, 0};
    uint8_t buf[16];
    int fd;

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    srv_ep = tu_reachable(&srv.base, "127.0.0.1");
    fd = raw_connect4(&srv_ep, &raw_ep);
    REQUIRE(fd >= 0);
    accept_until(&srv, 1);
    CHECK_EQ(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)), 0);
    close(fd);
    CHECK_EQ(recv_wait(&srv, buf, sizeof(buf), &from, WAIT_MS), -ECONNRESET);
    CHECK_EP(&from, &raw_ep);
    CHECK_EQ(live_slots(sconns, MAX_SLOTS), 0);
    CHECK_EQ(recv_data(&srv.base, buf, sizeof(buf), &from), -EAGAIN);
    sock_secure_transport_close(&srv.base);
}

/* Connecting to a port nobody listens on: recv reports -ECONNREFUSED with that endpoint (or
 * connect says so at once); the slot is free again. */
static void connect_to_closed_port_is_econnrefused(void)
{
    sock_secure_tcp_conn_t cconn[1];
    sock_secure_tcp_t cli;
    sock_secure_ep_t to = closed_port_ep(), from;
    uint8_t buf[16];
    int rc;

    CHECK_EQ(sock_secure_tcp_open(&cli, cconn, 1), 0);
    rc = cli.base.ops->connect(&cli.base, &to);
    if (rc == -EINPROGRESS) {
        CHECK_EQ(sock_secure_transport_wait(&cli.base, WAIT_MS), 1);
        CHECK_EQ(recv_wait(&cli, buf, sizeof(buf), &from, WAIT_MS), -ECONNREFUSED);
        CHECK_EP(&from, &to);
    } else {
        printf("note: connect refused at once (%d)\n", rc);
        CHECK_EQ(rc, -ECONNREFUSED);
    }
    CHECK_EQ(live_slots(cconn, 1), 0);
    CHECK_EQ(recv_data(&cli.base, buf, sizeof(buf), &from), -EAGAIN);
    CHECK_EQ(sock_secure_transport_send(&cli.base, "x", 1, &to), -ENOTCONN);
    /* the slot is usable again */
    rc = cli.base.ops->connect(&cli.base, &to);
    CHECK(rc == -EINPROGRESS || rc == -ECONNREFUSED);
    sock_secure_transport_close(&cli.base);
}

/* One slot: a second connection is accepted and closed at once and counted; the first goes on;
 * once the first ends, a new one is accepted. */
static void full_slots_close_extra_connection_and_count_it(void)
{
    sock_secure_tcp_conn_t sconn[1], c1conn[1], c2conn[1], c3conn[1];
    sock_secure_tcp_t srv, c1, c2, c3;
    sock_secure_ep_t srv_ep, c1_ep, c3_ep, from;
    uint8_t buf[16];
    int rc;

    if (!listen_or_note(&srv, "127.0.0.1:0", sconn, 1)) {
        return;
    }
    srv_ep = tu_reachable(&srv.base, "127.0.0.1");
    REQUIRE(client_connect(&c1, c1conn, 1, &srv_ep));
    CHECK_EQ(sock_secure_transport_wait(&c1.base, WAIT_MS), 1);
    CHECK_EQ(sock_secure_transport_local(&c1.base, &c1_ep), 0);
    CHECK_EQ(send_all(&c1, "1", 1, &srv_ep), 1);
    recv_exactly(&srv, buf, 1, &c1_ep);

    REQUIRE(client_connect(&c2, c2conn, 1, &srv_ep));
    CHECK_EQ(sock_secure_transport_wait(&c2.base, WAIT_MS), 1); /* the OS completes it from the backlog */
    {
        uint64_t end = now_ms() + WAIT_MS;
        while (srv.refused == 0 && now_ms() < end) {
            (void)sock_secure_transport_wait(&srv.base, 100);
            CHECK_EQ(recv_data(&srv.base, buf, sizeof(buf), &from), -EAGAIN);
        }
    }
    CHECK_EQ(srv.refused, 1);
    CHECK_EQ(srv.accepted, 1);
    rc = recv_wait(&c2, buf, sizeof(buf), &from, WAIT_MS);
    CHECK(rc == -EPIPE || rc == -ECONNRESET);
    CHECK_EP(&from, &srv_ep);

    /* the first connection is unaffected */
    CHECK_EQ(send_all(&srv, "ok", 2, &c1_ep), 2);
    recv_exactly(&c1, buf, 2, &srv_ep);
    CHECK_MEM(buf, "ok", 2);

    /* the first one ends: its slot takes the next connection */
    sock_secure_transport_close(&c1.base);
    CHECK_EQ(recv_wait(&srv, buf, sizeof(buf), &from, WAIT_MS), -EPIPE);
    CHECK_EP(&from, &c1_ep);
    REQUIRE(client_connect(&c3, c3conn, 1, &srv_ep));
    CHECK_EQ(sock_secure_transport_wait(&c3.base, WAIT_MS), 1);
    CHECK_EQ(sock_secure_transport_local(&c3.base, &c3_ep), 0);
    CHECK_EQ(send_all(&c3, "3", 1, &srv_ep), 1);
    recv_exactly(&srv, buf, 1, &c3_ep);
    CHECK_EQ(srv.accepted, 2);
    CHECK_EQ(srv.refused, 1);

    sock_secure_transport_close(&c2.base);
    sock_secure_transport_close(&c3.base);
    sock_secure_transport_close(&srv.base);
}

/* disconnect with unread input pending: the output already sent still arrives, followed by an
 * orderly end (not a reset); the slot is free; unknown peers and repeats are ignored. */
static void disconnect_delivers_output_then_frees_slot(void)
{
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], cconn[1];
    sock_secure_tcp_t srv, cli;
    sock_secure_ep_t srv_ep, cli_ep, from, nobody = tu_ep("127.0.0.1:9");
    static uint8_t big[64 * 1024];
    static uint8_t got[sizeof(big)];

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    /* a large server send buffer and a small client receive buffer: most of the output is
     * still queued at the server when it disconnects */
    CHECK_EQ(sock_secure_tcp_set_buffers(&srv, 256 * 1024, 0), 0);
    srv_ep = tu_reachable(&srv.base, "127.0.0.1");
    CHECK_EQ(sock_secure_tcp_open(&cli, cconn, 1), 0);
    CHECK_EQ(sock_secure_tcp_set_buffers(&cli, 0, 4096), 0);
    REQUIRE(cli.base.ops->connect(&cli.base, &srv_ep) <= 0);
    CHECK_EQ(sock_secure_transport_wait(&cli.base, WAIT_MS), 1);
    CHECK_EQ(sock_secure_transport_local(&cli.base, &cli_ep), 0);
    accept_until(&srv, 1);
    CHECK_EQ(send_all(&cli, "never read", 10, &srv_ep), 10);
    CHECK(fd_readable(sconns[0].fd, (int)WAIT_MS)); /* the server has unread input */

    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = pattern(i, 7);
    }
    CHECK_EQ(send_all(&srv, big, sizeof(big), &cli_ep), (int)sizeof(big));
    srv.base.ops->disconnect(&srv.base, &cli_ep);
    CHECK_EQ(live_slots(sconns, MAX_SLOTS), 0);
    CHECK_EQ(sock_secure_transport_send(&srv.base, "x", 1, &cli_ep), -ENOTCONN);
    srv.base.ops->disconnect(&srv.base, &cli_ep); /* again: no-op */
    srv.base.ops->disconnect(&srv.base, &nobody);

    recv_exactly(&cli, got, sizeof(got), &srv_ep);
    CHECK_MEM(got, big, sizeof(big));
    CHECK_EQ(recv_wait(&cli, got, sizeof(got), &from, WAIT_MS), -EPIPE);
    CHECK_EP(&from, &srv_ep);
    /* the server never reports a connection it closed itself */
    CHECK_EQ(recv_wait(&srv, got, sizeof(got), &from, 100), -EAGAIN);

    /* a client's disconnect of a connection (in progress or not) frees its slot */
    CHECK(cli.base.ops->connect(&cli.base, &srv_ep) <= 0);
    cli.base.ops->disconnect(&cli.base, &srv_ep);
    CHECK_EQ(live_slots(cconn, 1), 0);
    CHECK(cli.base.ops->connect(&cli.base, &srv_ep) <= 0);
    sock_secure_transport_close(&cli.base);
    sock_secure_transport_close(&srv.base);
}

/* connect to a peer already connected: -EALREADY; no free slot: -ENOMEM. */
static void connect_twice_ealready_and_no_slot_enomem(void)
{
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], cconn[1];
    sock_secure_tcp_t srv, cli;
    sock_secure_ep_t srv_ep, other;

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    srv_ep = tu_reachable(&srv.base, "127.0.0.1");
    other = srv_ep;
    other.port = (uint16_t)(srv_ep.port == 65535 ? 1 : srv_ep.port + 1);
    REQUIRE(client_connect(&cli, cconn, 1, &srv_ep));
    CHECK_EQ(cli.base.ops->connect(&cli.base, &srv_ep), -EALREADY);
    CHECK_EQ(sock_secure_transport_wait(&cli.base, WAIT_MS), 1);
    CHECK_EQ(cli.base.ops->connect(&cli.base, &srv_ep), -EALREADY);
    CHECK_EQ(cli.base.ops->connect(&cli.base, &other), -ENOMEM);
    sock_secure_transport_close(&cli.base);
    sock_secure_transport_close(&srv.base);
}

static void send_to_unknown_peer_is_enotconn(void)
{
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], cconn[1];
    sock_secure_tcp_t srv, cli;
    sock_secure_ep_t nobody = tu_ep("127.0.0.1:9");

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    CHECK_EQ(sock_secure_transport_send(&srv.base, "x", 1, &nobody), -ENOTCONN);
    CHECK_EQ(sock_secure_tcp_open(&cli, cconn, 1), 0);
    CHECK_EQ(sock_secure_transport_send(&cli.base, "x", 1, &nobody), -ENOTCONN);
    CHECK_EQ(sock_secure_transport_local(&cli.base, &nobody), -ENOTCONN); /* a client without connections */
    sock_secure_transport_close(&cli.base);
    sock_secure_transport_close(&srv.base);
}

static void wait_times_out_and_never_sleeps_forever_on_nothing(void)
{
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], cconn[1];
    sock_secure_tcp_t srv, cli;
    uint64_t t0;

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    t0 = now_ms();
    CHECK_EQ(sock_secure_transport_wait(&srv.base, 50), 0);
    CHECK(now_ms() - t0 >= 40);
    CHECK_EQ(sock_secure_tcp_open(&cli, cconn, 1), 0);
    CHECK_EQ(sock_secure_transport_wait(&cli.base, 10), 0);
    CHECK_EQ(sock_secure_transport_wait(&cli.base, UINT32_MAX), -ENOTCONN);
    sock_secure_transport_close(&cli.base);
    sock_secure_transport_close(&srv.base);
}

static void close_twice_is_safe_and_later_calls_fail(void)
{
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], cconn[1];
    sock_secure_tcp_t srv, cli;
    sock_secure_ep_t srv_ep, ep;
    uint8_t buf[4];

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    srv_ep = tu_reachable(&srv.base, "127.0.0.1");
    REQUIRE(client_connect(&cli, cconn, 1, &srv_ep));
    CHECK_EQ(sock_secure_transport_wait(&cli.base, WAIT_MS), 1);
    accept_until(&srv, 1);
    sock_secure_transport_close(&cli.base);
    sock_secure_transport_close(&cli.base);
    sock_secure_transport_close(&srv.base);
    sock_secure_transport_close(&srv.base);
    CHECK_EQ(srv.listen_fd, -1);
    CHECK_EQ(live_slots(sconns, MAX_SLOTS), 0);
    CHECK_EQ(live_slots(cconn, 1), 0);
    CHECK_EQ(sock_secure_transport_recv(&srv.base, buf, sizeof(buf), &ep), -EBADF);
    CHECK_EQ(sock_secure_transport_send(&srv.base, "x", 1, &srv_ep), -EBADF);
    CHECK_EQ(sock_secure_transport_wait(&srv.base, 0), -EBADF);
    CHECK_EQ(sock_secure_transport_local(&srv.base, &ep), -EBADF);
    CHECK_EQ(srv.base.ops->connect(&srv.base, &srv_ep), -EBADF);
    srv.base.ops->disconnect(&srv.base, &srv_ep);
    CHECK_EQ(sock_secure_transport_recv(&cli.base, buf, sizeof(buf), &ep), -EBADF);
}

/* A failed listen leaves a closed transport: close is safe, ops say -EBADF. */
static void reuseport_listeners_share_a_port(void)
{
    sock_secure_tcp_conn_t aconns[MAX_SLOTS], bconns[MAX_SLOTS], pconns[MAX_SLOTS];
    sock_secure_tcp_t a, b, plain;
    sock_secure_ep_t any = tu_ep("127.0.0.1:0"), ep;
    int rc = sock_secure_tcp_listen_opts(&a, &any, aconns, MAX_SLOTS, SOCK_SECURE_TCP_REUSEPORT);

    if (rc == -ENOTSUP) {
        printf("note: no SO_REUSEPORT here: scenario skipped\n");
        return;
    }
    CHECK_EQ(rc, 0);
    CHECK_EQ(sock_secure_transport_local(&a.base, &ep), 0);
    CHECK_EQ(sock_secure_tcp_listen_opts(&b, &ep, bconns, MAX_SLOTS, SOCK_SECURE_TCP_REUSEPORT), 0);
    CHECK_EQ(sock_secure_tcp_listen(&plain, &ep, pconns, MAX_SLOTS), -EADDRINUSE);
    CHECK_EQ(sock_secure_tcp_listen_opts(&plain, &any, pconns, MAX_SLOTS, 0x80u), -EINVAL);
    sock_secure_transport_close(&plain.base);
    sock_secure_transport_close(&b.base);
    sock_secure_transport_close(&a.base);
}

static void failed_listen_leaves_a_closed_transport(void)
{
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], s2conns[MAX_SLOTS];
    sock_secure_tcp_t srv, srv2;
    sock_secure_ep_t ep;
    uint8_t buf[4];

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    ep = tu_reachable(&srv.base, "127.0.0.1");
    /* SO_REUSEADDR does not allow two listeners on one port */
    CHECK_EQ(sock_secure_tcp_listen(&srv2, &ep, s2conns, MAX_SLOTS), -EADDRINUSE);
    CHECK_EQ(sock_secure_transport_recv(&srv2.base, buf, sizeof(buf), &ep), -EBADF);
    sock_secure_transport_close(&srv2.base);
    sock_secure_transport_close(&srv.base);
}

static void bad_arguments_are_einval(void)
{
    sock_secure_tcp_conn_t conns[MAX_SLOTS];
    sock_secure_tcp_t t;
    sock_secure_ep_t ep = tu_ep("127.0.0.1:0"), unspec;
    uint8_t buf[4];

    memset(&unspec, 0, sizeof(unspec));
    CHECK_EQ(sock_secure_tcp_listen(NULL, &ep, conns, MAX_SLOTS), -EINVAL);
    CHECK_EQ(sock_secure_tcp_listen(&t, NULL, conns, MAX_SLOTS), -EINVAL);
    CHECK_EQ(sock_secure_tcp_listen(&t, &ep, NULL, MAX_SLOTS), -EINVAL);
    CHECK_EQ(sock_secure_tcp_listen(&t, &ep, conns, 0), -EINVAL);
    CHECK_EQ(sock_secure_tcp_listen(&t, &unspec, conns, MAX_SLOTS), -EINVAL);
    sock_secure_transport_close(&t.base); /* the failed listen left it closed */
    CHECK_EQ(sock_secure_tcp_open(NULL, conns, MAX_SLOTS), -EINVAL);
    CHECK_EQ(sock_secure_tcp_open(&t, NULL, MAX_SLOTS), -EINVAL);
    CHECK_EQ(sock_secure_tcp_open(&t, conns, 0), -EINVAL);
    CHECK_EQ(sock_secure_tcp_set_buffers(NULL, 0, 0), -EINVAL);

    CHECK_EQ(sock_secure_tcp_listen(&t, &ep, conns, MAX_SLOTS), 0);
    CHECK_EQ(sock_secure_tcp_set_buffers(&t, -1, 0), -EINVAL);
    CHECK_EQ(sock_secure_tcp_set_buffers(&t, 0, -1), -EINVAL);
    CHECK_EQ(sock_secure_transport_recv(&t.base, NULL, sizeof(buf), &ep), -EINVAL);
    CHECK_EQ(sock_secure_transport_recv(&t.base, buf, 0, &ep), -EINVAL);
    CHECK_EQ(sock_secure_transport_recv(&t.base, buf, sizeof(buf), NULL), -EAGAIN); /* remote may be NULL */
    CHECK_EQ(sock_secure_transport_send(&t.base, "x", 1, NULL), -EINVAL);
    CHECK_EQ(sock_secure_transport_send(&t.base, NULL, 1, &ep), -EINVAL);
    CHECK_EQ(sock_secure_transport_local(&t.base, NULL), -EINVAL);
    CHECK_EQ(t.base.ops->connect(&t.base, NULL), -EINVAL);
    CHECK_EQ(t.base.ops->connect(&t.base, &unspec), -EINVAL);
    t.base.ops->disconnect(&t.base, NULL);
    sock_secure_transport_close(&t.base);
}

/* sock_secure_tcp_pollfds(): what an application's own poll loop watches, as the transport's wait. */
static void pollfds_lists_what_the_transport_waits_for(void)
{
    sock_secure_tcp_conn_t sconns[MAX_SLOTS], cconn[1];
    sock_secure_tcp_t srv, cli;
    struct pollfd fds[MAX_SLOTS + 1];

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, MAX_SLOTS)) {
        return;
    }
    CHECK_EQ(sock_secure_tcp_pollfds(NULL, NULL, fds, 1), -EINVAL);
    CHECK_EQ(sock_secure_tcp_pollfds(&srv, NULL, fds, 0), 0);
    CHECK_EQ(sock_secure_tcp_pollfds(&srv, NULL, fds, MAX_SLOTS + 1), 1); /* the listener alone */
    CHECK(fds[0].fd == srv.listen_fd && fds[0].events == POLLIN);
    sock_secure_ep_t srv_ep = tu_reachable(&srv.base, "127.0.0.1"), cli_ep, from;
    REQUIRE(client_connect(&cli, cconn, 1, &srv_ep));
    CHECK_EQ(sock_secure_transport_wait(&cli.base, WAIT_MS), 1);
    CHECK_EQ(sock_secure_transport_local(&cli.base, &cli_ep), 0);
    uint8_t buf[8];
    uint64_t end = now_ms() + WAIT_MS; /* the server accepts it (announced with 0 bytes) */
    int rc;
    do {
        (void)sock_secure_transport_wait(&srv.base, 100);
        rc = sock_secure_transport_recv(&srv.base, buf, sizeof(buf), &from);
    } while (rc == -EAGAIN && now_ms() < end);
    CHECK_EQ(rc, 0);
    CHECK_EQ(sock_secure_tcp_pollfds(&srv, NULL, fds, MAX_SLOTS + 1), 2);
    CHECK(fds[1].events == POLLIN);
    CHECK_EQ(sock_secure_tcp_pollfds(&srv, &cli_ep, fds, MAX_SLOTS + 1), 1); /* just that peer */
    CHECK(fds[0].fd != srv.listen_fd);
    srv.base.ops->pause(&srv.base, &cli_ep, true);
    CHECK_EQ(sock_secure_tcp_pollfds(&srv, &cli_ep, fds, 1), 0); /* paused: not watched */
    srv.base.ops->pause(&srv.base, &cli_ep, false);
    CHECK_EQ(sock_secure_tcp_pollfds(&srv, &cli_ep, fds, 1), 1);
    CHECK(!sock_secure_tcp_output_blocked(&srv, NULL));
    CHECK(!sock_secure_tcp_output_blocked(NULL, NULL));
    sock_secure_transport_close(&cli.base);
    sock_secure_transport_close(&srv.base);
    CHECK_EQ(sock_secure_tcp_pollfds(&srv, NULL, fds, 1), -EBADF);
}

/* The unread op: bytes given back to a connection come out of the next recv of it before newer
 * ones, not while it is paused (and wait then does not report them), and wait reports them at once
 * when it is not; more than a connection keeps is -EMSGSIZE, an unknown peer -ENOTCONN. */
static void unread_bytes_come_back_first_once_resumed(void)
{
    sock_secure_tcp_conn_t sconns[2], cconn[1];
    sock_secure_tcp_t srv, cli;

    if (!listen_or_note(&srv, "127.0.0.1:0", sconns, 2)) {
        return;
    }
    sock_secure_ep_t srv_ep = tu_reachable(&srv.base, "127.0.0.1"), cli_ep, from;
    REQUIRE(client_connect(&cli, cconn, 1, &srv_ep));
    CHECK_EQ(sock_secure_transport_wait(&cli.base, WAIT_MS), 1);
    CHECK_EQ(sock_secure_transport_local(&cli.base, &cli_ep), 0);
    CHECK_EQ(send_all(&cli, "abcdef", 6, &srv_ep), 6);
    uint8_t buf[16];
    recv_exactly(&srv, buf, 6, &cli_ep);
    CHECK_MEM(buf, "abcdef", 6);
    const sock_secure_transport_ops_t *ops = srv.base.ops;
    REQUIRE(ops->unread != NULL);
    sock_secure_ep_t nobody = tu_ep("127.0.0.1:9");
    CHECK_EQ(ops->unread(&srv.base, &nobody, "x", 1), -ENOTCONN);
    CHECK_EQ(ops->unread(&srv.base, &cli_ep, buf, sizeof(sconns[0].carry) + 1), -EMSGSIZE);
    ops->pause(&srv.base, &cli_ep, true);
    CHECK_EQ(ops->unread(&srv.base, &cli_ep, "def", 3), 0);
    CHECK_EQ(ops->unread(&srv.base, &cli_ep, "c", 1), 0); /* before what is still there */
    CHECK_EQ(send_all(&cli, "gh", 2, &srv_ep), 2);
    CHECK_EQ(sock_secure_transport_wait(&srv.base, 50), 0); /* paused: nothing to report */
    CHECK_EQ(sock_secure_transport_recv(&srv.base, buf, sizeof(buf), &from), -EAGAIN);
    ops->pause(&srv.base, &cli_ep, false);
    CHECK_EQ(sock_secure_transport_wait(&srv.base, 0), 1);
    CHECK_EQ(sock_secure_transport_recv(&srv.base, buf, 2, &from), 2); /* a part, then the rest */
    CHECK_EP(&from, &cli_ep);
    CHECK_MEM(buf, "cd", 2);
    recv_exactly(&srv, buf, 4, &cli_ep); /* "ef" given back, then "gh" from the connection */
    CHECK_MEM(buf, "efgh", 4);
    sock_secure_transport_close(&cli.base);
    sock_secure_transport_close(&srv.base);
    CHECK_EQ(ops->unread(&srv.base, &cli_ep, "x", 1), -ENOTCONN);
}

int main(void)
{
    RUN(ipv4_connect_send_and_answer);
    RUN(pollfds_lists_what_the_transport_waits_for);
    RUN(unread_bytes_come_back_first_once_resumed);
    RUN(ipv6_connect_send_and_answer);
    RUN(dual_stack_listener_sees_ipv4_peer_as_ipv4);
    RUN(interleaved_connections_each_byte_attributed);
    RUN(busy_connection_does_not_starve_another);
    RUN(new_connections_come_one_per_recv_taking_turns_with_reads);
    RUN(megabyte_each_way_through_tiny_buffers);
    RUN(blocked_send_resumes_after_wait);
    RUN(orderly_close_is_epipe_once_then_slot_free);
    RUN(peer_reset_is_econnreset);
    RUN(connect_to_closed_port_is_econnrefused);
    RUN(full_slots_close_extra_connection_and_count_it);
    RUN(disconnect_delivers_output_then_frees_slot);
    RUN(connect_twice_ealready_and_no_slot_enomem);
    RUN(send_to_unknown_peer_is_enotconn);
    RUN(wait_times_out_and_never_sleeps_forever_on_nothing);
    RUN(close_twice_is_safe_and_later_calls_fail);
    RUN(failed_listen_leaves_a_closed_transport);
    RUN(reuseport_listeners_share_a_port);
    RUN(bad_arguments_are_einval);
    return tu_exit();
}
