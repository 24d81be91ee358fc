/* TLS 1.2 over TCP loopback through the same API as DTLS: handshakes, 1 MB each way through tiny
 * socket buffers (partial writes, would-block), several connections at once, a peer reset
 * mid-transfer, a peer stalling mid-handshake (slowloris), close_notify, and hosts holding many
 * connections (silent, dripping a ClientHello, or stopping after it) that do not lock out a new
 * client. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "secure_sock/sock_secure.h"
#include "secure_sock/posix/tcp.h"
#include "node.h"
#include "testutil.h"

#define SLOTS 6

static const uint8_t key[16] = { 0x42, 0x13, 0x37, 0x99, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
static const sock_secure_psk_t psk = { (const uint8_t *)"tls-dev", 7, key, sizeof(key) };

static tu_node_t server, clients[3];
static const tlsman_driver_t *backend;
static sock_secure_ep_t server_ep;

static int create(tu_node_t *n, sock_secure_role_t role, uint32_t hs_deadline_ms)
{
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, role, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, &psk);
    if (hs_deadline_ms) {
        cfg.handshake_deadline_ms = hs_deadline_ms;
    }
    return tu_node_create(n, &cfg);
}

static int open_server(const char *addr, int bufsize, uint32_t hs_deadline_ms)
{
    int rc = tu_node_listen_tcp(&server, addr, SLOTS, &server_ep);
    if (rc < 0) {
        return rc;
    }
    if (bufsize) {
        sock_secure_tcp_set_buffers(&server.tcp, bufsize, bufsize);
    }
    return create(&server, SOCK_SECURE_SERVER, hs_deadline_ms);
}

static int open_client(tu_node_t *c, int bufsize)
{
    int rc = tu_node_open_tcp(c, 1);
    if (rc < 0) {
        return rc;
    }
    if (bufsize) {
        sock_secure_tcp_set_buffers(&c->tcp, bufsize, bufsize);
    }
    return create(c, SOCK_SECURE_CLIENT, 0);
}

static void drive(int nclients)
{
    sock_secure_process(&server.sock);
    for (int i = 0; i < nclients; i++) {
        sock_secure_process(&clients[i].sock);
    }
    sock_secure_transport_wait(&server.tcp.base, 1);
}

static uint64_t now_ms(void)
{
    return sock_secure_platform_now_ms(NULL);
}

/* Connect client @p i (non-blocking) and drive until both ends are up. */
static sock_secure_session_t *connect_client(int i, sock_secure_session_t **server_side)
{
    sock_secure_session_t *cs = NULL;
    int rc = sock_secure_connect(&clients[i].sock, &server_ep, &cs, 0);
    CHECK(rc == -EINPROGRESS || rc == 0);
    sock_secure_session_info_t info;
    uint64_t t0 = now_ms();
    while (now_ms() - t0 < 5000) {
        drive(i + 1);
        if (sock_secure_session_info(cs, &info) == 0 && info.state != SOCK_SECURE_ST_HANDSHAKE &&
            sock_secure_accept(&server.sock, server_side, 0) == 0) {
            break;
        }
    }
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK(strncmp(info.version, "TLSv1.2", 7) == 0);
    CHECK_EQ(info.suite, tu_default_psk_suite(backend, false));
    return cs;
}

static void tls_one_megabyte_each_way_through_tiny_buffers(void)
{
    const size_t total = 1u << 20;
    REQUIRE(open_server("127.0.0.1:0", 4096, 0) == 0);
    REQUIRE(open_client(&clients[0], 4096) == 0);
    sock_secure_session_t *ss = NULL;
    sock_secure_session_t *cs = connect_client(0, &ss);
    REQUIRE(cs != NULL && ss != NULL);
    tu_flow_t up = { &clients[0].sock, cs, 0, 0, 0, 1, 2 };
    tu_flow_t down = { &server.sock, ss, 0, 0, 0, 2, 1 };
    uint64_t t0 = now_ms();
    while ((up.received < total || down.received < total) && now_ms() - t0 < 60000) {
        tu_flow_step(&up, total);
        tu_flow_step(&down, total);
        drive(1);
    }
    CHECK_EQ(up.sent, total);
    CHECK_EQ(down.sent, total);
    CHECK_EQ(up.received, total); /* what the client got from the server */
    CHECK_EQ(down.received, total);
    CHECK_EQ(up.bad + down.bad, 0);
    CHECK_EQ(sock_secure_session_close(cs), 0);
    for (int i = 0; i < 200 && server.ev.closed == 0; i++) {
        drive(1);
    }
    CHECK_EQ(server.ev.closed, 1);
    tu_node_close(&clients[0]);
    tu_node_close(&server);
}

static void tls_several_connections_and_a_reset_mid_transfer(void)
{
    REQUIRE(open_server("[::1]:0", 0, 0) == 0 || open_server("127.0.0.1:0", 0, 0) == 0);
    sock_secure_session_t *cs[3], *ss[3];
    for (int i = 0; i < 3; i++) {
        REQUIRE(open_client(&clients[i], 0) == 0);
        cs[i] = connect_client(i, &ss[i]);
        REQUIRE(cs[i] != NULL);
    }
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.sessions_open, 3);
    /* client 1 dies: its connection is reset under the server */
    CHECK_EQ(sock_secure_session_send(cs[1], "half a message", 14), 14);
    struct linger lg = { 1, 0 };
    setsockopt(clients[1].conns[0].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(clients[1].conns[0].fd);
    clients[1].conns[0].fd = -1;
    int half = 0;
    for (int i = 0; i < 200 && server.ev.error + server.ev.closed == 0; i++) {
        drive(0);
        uint8_t buf[64];
        sock_secure_session_t *from = NULL;
        int n = sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0);
        if (n > 0) {
            CHECK(from == ss[1]);
            half += n;
        }
    }
    CHECK(half == 0 || half == 14); /* the record may or may not have made it before the reset */
    CHECK_EQ(server.ev.error + server.ev.closed, 1);
    CHECK(server.ev.last_err == -ECONNRESET || server.ev.last_err == -EPIPE);
    /* the others carry on */
    for (int i = 0; i < 3; i += 2) {
        char msg[32];
        int n = snprintf(msg, sizeof(msg), "still here %d", i);
        CHECK_EQ(sock_secure_session_send(cs[i], msg, (size_t)n), n);
        uint8_t buf[64];
        int got = 0;
        for (int k = 0; k < 500 && got <= 0; k++) {
            drive(0);
            got = sock_secure_session_recv(ss[i], buf, sizeof(buf), 0);
        }
        CHECK_EQ(got, n);
        CHECK_MEM(buf, msg, (size_t)n);
    }
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.sessions_open, 2);
    for (int i = 0; i < 3; i++) {
        tu_node_close(&clients[i]);
    }
    tu_node_close(&server);
}

static void tls_stalled_handshake_does_not_block_others_and_expires(void)
{
    REQUIRE(open_server("127.0.0.1:0", 0, 300) == 0);
    /* a raw TCP peer sends 3 bytes of a record header and stalls */
    int raw = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(server_ep.port) };
    memcpy(&sa.sin_addr, server_ep.addr, 4);
    REQUIRE(connect(raw, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    CHECK_EQ(write(raw, "\x16\x03\x01", 3), 3);
    /* and another one connects and never sends a byte */
    int silent = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(connect(silent, (struct sockaddr *)&sa, sizeof(sa)) == 0);
    for (int i = 0; i < 20; i++) {
        drive(0);
    }
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.sessions_handshake, 2); /* the silent one holds a half-open slot too */
    /* a real client is served meanwhile */
    REQUIRE(open_client(&clients[0], 0) == 0);
    sock_secure_session_t *ss = NULL;
    sock_secure_session_t *cs = connect_client(0, &ss);
    REQUIRE(cs != NULL && ss != NULL);
    uint64_t t0 = now_ms();
    while (server.ev.expired < 2 && now_ms() - t0 < 3000) {
        drive(1);
    }
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.expired_handshake, 2);
    CHECK_EQ(st.sessions_open, 1);
    CHECK_EQ(st.sessions_handshake, 0);
    /* both stalled peers' connections were closed */
    int peers[2] = { raw, silent };
    for (int k = 0; k < 2; k++) {
        uint8_t b;
        ssize_t r = -1;
        for (int i = 0; i < 100; i++) {
            drive(1);
            r = recv(peers[k], &b, 1, MSG_DONTWAIT);
            if (r >= 0) {
                break;
            }
        }
        CHECK(r == 0);
        close(peers[k]);
    }
    CHECK_EQ(sock_secure_session_send(cs, "ok", 2), 2);
    tu_node_close(&clients[0]);
    tu_node_close(&server);
}

/* Everything send() accepted reaches the peer before close_notify, even when the transport
 * refused it at first: session_close says -EAGAIN until it is out. */
static void tls_close_delivers_accepted_output_first(void)
{
    REQUIRE(open_server("127.0.0.1:0", 4096, 0) == 0);
    REQUIRE(open_client(&clients[0], 4096) == 0);
    sock_secure_session_t *ss = NULL;
    sock_secure_session_t *cs = connect_client(0, &ss);
    REQUIRE(cs != NULL && ss != NULL);
    static uint8_t chunk[16384];
    size_t accepted = 0;
    for (int i = 0; i < 64; i++) { /* the server does not read: output piles up */
        for (size_t k = 0; k < sizeof(chunk); k++) {
            chunk[k] = tu_pattern(accepted + k, 7);
        }
        int rc = sock_secure_session_send(cs, chunk, sizeof(chunk));
        if (rc <= 0) {
            break;
        }
        accepted += (size_t)rc;
    }
    CHECK(accepted > 0);
    int rc = sock_secure_session_close(cs);
    CHECK_EQ(rc, -EAGAIN); /* not all out yet */
    CHECK_EQ(sock_secure_session_send(cs, "late", 4), -ENOTCONN); /* closing: nothing new */
    size_t got = 0, bad = 0;
    uint64_t t0 = now_ms();
    while ((rc == -EAGAIN || server.ev.closed == 0) && now_ms() - t0 < 10000) {
        drive(1);
        if (rc == -EAGAIN) {
            rc = sock_secure_session_close(cs);
        }
        uint8_t buf[4096];
        int n = sock_secure_session_recv(ss, buf, sizeof(buf), 0);
        for (int k = 0; k < n; k++) {
            bad += buf[k] != tu_pattern(got + (size_t)k, 7);
        }
        got += n > 0 ? (size_t)n : 0;
    }
    CHECK_EQ(rc, 0);
    CHECK_EQ(got, accepted);
    CHECK_EQ(bad, 0);
    CHECK_EQ(server.ev.closed, 1); /* close_notify arrived, after the data */
    CHECK_EQ(server.ev.error, 0);
    tu_node_close(&clients[0]);
    tu_node_close(&server);
}

/* A connection whose data the application leaves unread is paused; the others are not held up:
 * a second client handshakes and exchanges data while the first keeps sending. */
/* While client 0's record waits unread at the server: client 1 connects (its handshake meanwhile)
 * and its record reaches the server. */
static void second_client_is_served(void)
{
    REQUIRE(open_client(&clients[1], 0) == 0);
    sock_secure_session_t *ss1 = NULL;
    sock_secure_session_t *cs1 = connect_client(1, &ss1);
    REQUIRE(cs1 != NULL && ss1 != NULL);
    CHECK_EQ(sock_secure_session_send(cs1, "not held up", 11), 11);
    uint8_t buf[64];
    int got = -EAGAIN;
    for (int i = 0; i < 500 && got == -EAGAIN; i++) {
        drive(2);
        got = sock_secure_session_recv(ss1, buf, sizeof(buf), 0);
    }
    CHECK_EQ(got, 11);
    CHECK_MEM(buf, "not held up", 11);
}

static void tls_unread_data_on_one_connection_does_not_stall_another(void)
{
    REQUIRE(open_server("127.0.0.1:0", 0, 0) == 0);
    REQUIRE(open_client(&clients[0], 0) == 0);
    sock_secure_session_t *ss0 = NULL;
    sock_secure_session_t *cs0 = connect_client(0, &ss0);
    REQUIRE(cs0 != NULL && ss0 != NULL);
    static uint8_t chunk[4096];
    memset(chunk, 'A', sizeof(chunk));
    size_t pushed = 0;
    for (int i = 0; i < 200; i++) { /* far more than one record; the server reads none of it */
        int rc = sock_secure_session_send(cs0, chunk, sizeof(chunk));
        pushed += rc > 0 ? (size_t)rc : 0;
        drive(1);
    }
    CHECK(pushed > 16384);
    CHECK(sock_secure_session_pending(ss0) > 0); /* a record of client 0 waits, unread */
    second_client_is_served();
    /* client 0's bytes are all still there, in order, once the server reads them */
    size_t read0 = 0, bad = 0;
    uint64_t t0 = now_ms();
    while (read0 < pushed && now_ms() - t0 < 10000) {
        drive(2);
        int n = sock_secure_session_recv(ss0, chunk, sizeof(chunk), 0);
        for (int k = 0; k < n; k++) {
            bad += chunk[k] != 'A';
        }
        read0 += n > 0 ? (size_t)n : 0;
    }
    CHECK_EQ(read0, pushed);
    CHECK_EQ(bad, 0);
    tu_node_close(&clients[0]);
    tu_node_close(&clients[1]);
    tu_node_close(&server);
}

/* The server reads a record of client 0's whose TCP read also brought bytes of its next records
 * (three records sent back to back, read in one go): those bytes must go back to that connection,
 * not hold up the whole socket while the first record stays unread. A new client is served
 * meanwhile, and client 0's records all arrive, in order, once the server reads them. */
static void tls_bytes_past_an_unread_record_do_not_hold_up_the_socket(void)
{
    REQUIRE(open_server("127.0.0.1:0", 0, 0) == 0);
    REQUIRE(open_client(&clients[0], 0) == 0);
    sock_secure_session_t *ss0 = NULL;
    sock_secure_session_t *cs0 = connect_client(0, &ss0);
    REQUIRE(cs0 != NULL && ss0 != NULL);
    static uint8_t rec[3][1000];
    for (int r = 0; r < 3; r++) {
        memset(rec[r], 'a' + r, sizeof(rec[r]));
        CHECK_EQ(sock_secure_session_send(cs0, rec[r], sizeof(rec[r])), (int)sizeof(rec[r]));
        sock_secure_process(&clients[0].sock); /* out before the server reads anything */
    }
    for (int i = 0; i < 20; i++) {
        drive(1);
    }
    CHECK_EQ(sock_secure_session_pending(ss0), 1000); /* the first record waits, unread */
    second_client_is_served();
    uint8_t buf[1000];
    for (int r = 0; r < 3; r++) { /* client 0's records, whole and in order */
        size_t have = 0;
        uint64_t t0 = now_ms();
        while (have < sizeof(rec[r]) && now_ms() - t0 < 5000) {
            int n = sock_secure_session_recv(ss0, buf + have, sizeof(rec[r]) - have, 0);
            if (n > 0) {
                have += (size_t)n;
            } else {
                drive(2);
            }
        }
        CHECK_EQ(have, sizeof(rec[r]));
        CHECK_MEM(buf, rec[r], sizeof(rec[r]));
    }
    tu_node_close(&clients[0]);
    tu_node_close(&clients[1]);
    tu_node_close(&server);
}

/* ---- lockout ---------------------------------------------------------------------------------
 * Hosts on 127.0.0.2 (and up) hold many TCP connections to the server and never finish a
 * handshake: they stay silent, drip a ClientHello one byte per second, or send a whole ClientHello
 * and stop. A connection the server closes is opened again at once (at most ATT_OPENS_PER_TURN
 * per turn, so the listen queue is not overrun: that would be a SYN flood, the kernel's business).
 * Meanwhile a client on 127.0.0.1 connects LOCK_TRIES times; a try succeeds if the handshake
 * completes within 2 s of the server's simulated clock, which advances 10 ms per turn. The
 * server runs with the default limits (16 sessions, 4 handshakes per address, stall deadline
 * 8 s) and one TCP slot more than sessions (docs/GUIDE.md). */

#define LOCK_SLOTS 16
#define LOCK_TRIES 40
#define ATT_MAX 64
#define ATT_OPENS_PER_TURN 8
#define TURN_MS 10

typedef enum { ATT_IDLE, ATT_DRIP, ATT_HELLO } att_mode_t;

static struct {
    sock_secure_tcp_t tcp;
    sock_secure_tcp_conn_t conns[LOCK_SLOTS + 1];
    sock_secure_t sock;
    sock_secure_session_t slots[LOCK_SLOTS];
} lsrv;

static struct {
    int fd;          /* -1: to be opened */
    size_t sent;     /* ClientHello bytes sent */
    uint64_t next_ms; /* drip: when the next byte goes */
} att[ATT_MAX];

static struct {
    att_mode_t mode;
    int addrs, conns; /* conns connections from each of addrs addresses */
    uint8_t hello[2048];
    size_t hello_len;
    uint32_t opened;
    uint64_t bytes_out, bytes_in; /* ClientHello bytes sent, server bytes received */
    int most, most_one, budget_full; /* what the server's table showed, turn by turn */
} attack;

static uint64_t sim_ms;

static const char *const att_mode_name[] = { "silent", "dripping a ClientHello",
                                             "stopping after the ClientHello" };

/* A ClientHello of this backend's client, taken off a raw listening socket. */
static size_t capture_tls_hello(uint8_t *buf, size_t max)
{
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
    socklen_t sl = sizeof(sa);
    size_t got = 0;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 1) != 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) != 0) {
        if (lfd >= 0) {
            close(lfd);
        }
        return 0;
    }
    sock_secure_ep_t to = tu_ep("127.0.0.1:0");
    to.port = ntohs(sa.sin_port);
    tu_node_t *c = &clients[0];
    if (open_client(c, 0) == 0) {
        sock_secure_session_t *cs = NULL;
        (void)sock_secure_connect(&c->sock, &to, &cs, 0);
        int fd = -1;
        for (int i = 0; i < 200 && (got < 5 || got < 5 + ((size_t)buf[3] << 8 | buf[4])); i++) {
            sock_secure_process(&c->sock);
            if (fd < 0) {
                fd = accept(lfd, NULL, NULL);
            }
            struct pollfd pfd = { fd, POLLIN, 0 };
            if (fd >= 0 && poll(&pfd, 1, 10) == 1) {
                ssize_t n = recv(fd, buf + got, max - got, 0);
                if (n <= 0) {
                    break;
                }
                got += (size_t)n;
            } else {
                sock_secure_transport_wait(&c->tcp.base, 10);
            }
        }
        if (fd >= 0) {
            close(fd);
        }
    }
    tu_node_close(c);
    close(lfd);
    return got >= 5 && got == 5 + ((size_t)buf[3] << 8 | buf[4]) ? got : 0;
}

static int att_addr_octet(int i)
{
    return 2 + i / attack.conns;
}

/* Open attacker connection @p i from 127.0.0.<2 + i / conns> (non-blocking). */
static void att_open(int i)
{
    struct sockaddr_in from = { .sin_family = AF_INET };
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(server_ep.port) };
    from.sin_addr.s_addr = htonl(0x7f000000u | (uint32_t)att_addr_octet(i));
    memcpy(&to.sin_addr, server_ep.addr, 4);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        return;
    }
    if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0 || bind(fd, (struct sockaddr *)&from, sizeof(from)) ||
        (connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0 && errno != EINPROGRESS)) {
        close(fd);
        return;
    }
    att[i].fd = fd;
    att[i].sent = 0;
    att[i].next_ms = sim_ms;
    attack.opened++;
}

/* One turn of the attack: notice closed connections (read and drop what the server sends),
 * send (drip) ClientHello bytes, reopen what was closed. */
static void att_turn(void)
{
    int opens = 0;
    for (int i = 0; i < attack.addrs * attack.conns; i++) {
        if (att[i].fd < 0) {
            if (opens < ATT_OPENS_PER_TURN) {
                opens++;
                att_open(i);
            }
            continue;
        }
        uint8_t sink[4096];
        ssize_t n = recv(att[i].fd, sink, sizeof(sink), MSG_DONTWAIT);
        if (n > 0) {
            attack.bytes_in += (uint64_t)n;
        }
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOTCONN)) {
            close(att[i].fd); /* the server closed it */
            att[i].fd = -1;
            continue;
        }
        size_t want = attack.mode == ATT_HELLO                          ? attack.hello_len
                      : attack.mode == ATT_DRIP && sim_ms >= att[i].next_ms ? att[i].sent + 1
                                                                             : att[i].sent;
        if (want > attack.hello_len) {
            want = attack.hello_len;
        }
        if (want > att[i].sent) {
            ssize_t w = send(att[i].fd, attack.hello + att[i].sent, want - att[i].sent,
                             MSG_DONTWAIT | MSG_NOSIGNAL);
            if (w > 0) {
                attack.bytes_out += (uint64_t)w;
                att[i].sent += (size_t)w;
                att[i].next_ms = sim_ms + 1000;
            }
        }
    }
}

static void att_close_all(void)
{
    for (int i = 0; i < ATT_MAX; i++) {
        if (att[i].fd >= 0) {
            close(att[i].fd);
            att[i].fd = -1;
        }
    }
}

/* Handshakes the attacking addresses hold on the server now; the most from one of them. */
static int att_half_open(int *most_one)
{
    int total = 0, per[8] = { 0 };
    for (int i = 0; i < LOCK_SLOTS; i++) {
        sock_secure_session_info_t info;
        if (sock_secure_session_info(&lsrv.slots[i], &info) == 0 &&
            info.state == SOCK_SECURE_ST_HANDSHAKE && info.remote.addr[0] == 127 &&
            info.remote.addr[3] >= 2 && info.remote.addr[3] < 10) {
            total++;
            per[info.remote.addr[3] - 2]++;
        }
    }
    *most_one = 0;
    for (int a = 0; a < 8; a++) {
        *most_one = per[a] > *most_one ? per[a] : *most_one;
    }
    return total;
}

static void lock_turn(tu_node_t *legit)
{
    att_turn();
    sock_secure_process(&lsrv.sock);
    if (legit != NULL) {
        sock_secure_process(&legit->sock);
        sock_secure_process(&lsrv.sock);
    }
    int one, held = att_half_open(&one);
    attack.most = held > attack.most ? held : attack.most;
    attack.most_one = one > attack.most_one ? one : attack.most_one;
    attack.budget_full += lsrv.sock.stats.sessions_handshake >= LOCK_SLOTS;
    (void)sock_secure_transport_wait(&lsrv.tcp.base, 0); /* loopback: what was sent is there already */
    sim_ms += TURN_MS;
}

/* @p addrs addresses with @p conns connections each, in @p mode; the client on 127.0.0.1 must
 * succeed in at least @p min_percent % of its tries. */
static void lockout_run(att_mode_t mode, int addrs, int conns, int min_percent)
{
    int probe = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a2 = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000002) };
    bool can_bind = probe >= 0 && bind(probe, (struct sockaddr *)&a2, sizeof(a2)) == 0;
    if (probe >= 0) {
        close(probe);
    }
    if (!can_bind) {
        printf("  note: cannot bind 127.0.0.2 on this host: scenario skipped\n");
        return;
    }
    memset(&attack, 0, sizeof(attack));
    attack.mode = mode;
    attack.addrs = addrs;
    attack.conns = conns;
    REQUIRE(addrs * conns <= ATT_MAX && addrs <= 8);
    for (int i = 0; i < ATT_MAX; i++) {
        att[i].fd = -1;
    }
    sim_ms = 1000;
    sock_secure_ep_t ep = tu_ep("127.0.0.1:0");
    REQUIRE(sock_secure_tcp_listen(&lsrv.tcp, &ep, lsrv.conns, LOCK_SLOTS + 1) == 0);
    sock_secure_transport_local(&lsrv.tcp.base, &server_ep);
    sock_secure_config_t cfg; /* the default limits */
    tu_config(&cfg, SOCK_SECURE_SERVER, tu_backend_name, &lsrv.tcp.base, lsrv.slots, LOCK_SLOTS,
              &psk);
    cfg.clock = tu_clock;
    cfg.clock_arg = &sim_ms;
    REQUIRE(sock_secure_create(&lsrv.sock, &cfg) == 0);
    attack.hello_len = capture_tls_hello(attack.hello, sizeof(attack.hello));
    REQUIRE(attack.hello_len > 40);

    for (int t = 0; t < 1000; t++) { /* 10 s of attack first: past the stall deadline */
        lock_turn(NULL);
    }
    int ok = 0;
    uint64_t slowest = 0;
    for (int k = 0; k < LOCK_TRIES; k++) {
        tu_node_t *c = &clients[0];
        REQUIRE(open_client(c, 0) == 0);
        sock_secure_session_t *cs = NULL;
        int rc = sock_secure_connect(&c->sock, &server_ep, &cs, 0);
        CHECK(rc == -EINPROGRESS || rc == 0);
        sock_secure_session_info_t info;
        uint64_t t0 = sim_ms, real0 = now_ms();
        while (sock_secure_session_info(cs, &info) == 0 && info.state == SOCK_SECURE_ST_HANDSHAKE &&
               sim_ms - t0 < 2000 && now_ms() - real0 < 20000) {
            lock_turn(c);
        }
        if (sock_secure_session_info(cs, &info) == 0 && info.state == SOCK_SECURE_ST_OPEN &&
            sim_ms - t0 <= 2000) {
            ok++;
            slowest = sim_ms - t0 > slowest ? sim_ms - t0 : slowest;
        }
        tu_node_close(c);
        lock_turn(NULL);
    }
    sock_secure_stats_t st;
    sock_secure_stats(&lsrv.sock, &st);
    int percent = ok * 100 / LOCK_TRIES;
    printf("  %s, %d address%s x %d connections %s (%u opened): %d/%d handshakes (%d %%) within "
           "2 s, slowest %llu ms; attackers held %d half-open at most (%d from one address); "
           "drop_per_addr %u, displaced %u, expired_stall %u; TCP refused %u; attackers sent "
           "%llu bytes, got %llu\n",
           backend->name, addrs, addrs > 1 ? "es" : "", conns, att_mode_name[mode], attack.opened,
           ok, LOCK_TRIES, percent, (unsigned long long)slowest, attack.most, attack.most_one,
           st.drop_per_addr, st.displaced, st.expired_stall, lsrv.tcp.refused,
           (unsigned long long)attack.bytes_out, (unsigned long long)attack.bytes_in);
    CHECK(percent >= min_percent);
    CHECK(attack.most_one <= CONFIG_SOCK_SECURE_HALF_OPEN_PER_ADDR); /* the per-address cap */
    CHECK(st.drop_per_addr > 0);                                      /* it was hit */
    CHECK(st.expired_stall > 0); /* what the attackers held stalled and was dropped */
    CHECK_EQ(lsrv.tcp.refused, 0); /* no connection was closed for want of a TCP slot */
    if (addrs * CONFIG_SOCK_SECURE_HALF_OPEN_PER_ADDR > LOCK_SLOTS) {
        CHECK(attack.budget_full > 0); /* the attackers filled the half-open budget... */
        CHECK(st.displaced > 0);       /* ...and new connections displaced their handshakes */
    }
    /* the attack was what it says: no bytes, bytes of a hello never complete, or a complete
     * hello the server answered (its first flight) */
    CHECK(mode == ATT_IDLE ? attack.bytes_out == 0 : attack.bytes_out > 0);
    CHECK(mode == ATT_HELLO ? attack.bytes_in > 0 : attack.bytes_in == 0);
    att_close_all();
    sock_secure_close(&lsrv.sock);
    sock_secure_transport_close(&lsrv.tcp.base);
}

static void tls_one_host_with_64_silent_connections_does_not_lock_out_a_client(void)
{
    lockout_run(ATT_IDLE, 1, 64, 95);
}

static void tls_one_host_dripping_64_client_hellos_does_not_lock_out_a_client(void)
{
    lockout_run(ATT_DRIP, 1, 64, 95);
}

static void tls_one_host_stopping_after_64_client_hellos_does_not_lock_out_a_client(void)
{
    lockout_run(ATT_HELLO, 1, 64, 95);
}

static void tls_eight_hosts_with_8_silent_connections_each_do_not_lock_out_a_client(void)
{
    lockout_run(ATT_IDLE, 8, 8, 80);
}

int main(void)
{
    backend = tu_backend(TLSMAN_CAP_TLS | TLSMAN_CAP_PSK);
    if (backend->flush == NULL) {
        tu_skip("the backend cannot flush stream output");
    }
    RUN(tls_one_megabyte_each_way_through_tiny_buffers);
    RUN(tls_several_connections_and_a_reset_mid_transfer);
    RUN(tls_stalled_handshake_does_not_block_others_and_expires);
    RUN(tls_close_delivers_accepted_output_first);
    RUN(tls_unread_data_on_one_connection_does_not_stall_another);
    RUN(tls_bytes_past_an_unread_record_do_not_hold_up_the_socket);
    RUN(tls_one_host_with_64_silent_connections_does_not_lock_out_a_client);
    RUN(tls_one_host_dripping_64_client_hellos_does_not_lock_out_a_client);
    RUN(tls_one_host_stopping_after_64_client_hellos_does_not_lock_out_a_client);
    RUN(tls_eight_hosts_with_8_silent_connections_each_do_not_lock_out_a_client);
    return tu_exit();
}
