/* The mbedTLS driver on its own, without the core: a client and a server session joined by two
 * in-memory queues (one datagram at a time, or a byte stream for TLS), a fake timer per side, and
 * handshake()/read()/write() called the way the core calls them. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "secure_sock/config.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/tlsman.h"
#include "testutil.h"

#ifdef SS_HAVE_MBEDTLS
#define DRV (&tlsman_mbedtls)

/* ---- a queue of datagrams (or stream chunks) --------------------------------------------------- */

#define TQ_SLOTS 32
#define TQ_DGRAM 2048

typedef struct {
    uint8_t data[TQ_SLOTS][TQ_DGRAM];
    size_t len[TQ_SLOTS];
    size_t head;  /* oldest item */
    size_t count; /* items queued */
    size_t off;   /* stream mode: bytes of the head item already taken */
} tq_t;

static bool tq_push(tq_t *q, const uint8_t *buf, size_t len)
{
    if (q->count == TQ_SLOTS || len > TQ_DGRAM) {
        return false;
    }
    size_t i = (q->head + q->count) % TQ_SLOTS;
    memcpy(q->data[i], buf, len);
    q->len[i] = len;
    q->count++;
    return true;
}

static void tq_pop(tq_t *q)
{
    q->head = (q->head + 1) % TQ_SLOTS;
    q->count--;
    q->off = 0;
}

static void tq_clear(tq_t *q)
{
    q->head = 0;
    q->count = 0;
    q->off = 0;
}

/* ---- one side: the core's role towards the driver ----------------------------------------------- */

typedef struct {
    const char *name;
    bool stream;           /* TLS byte stream instead of datagrams */
    tq_t *rx;              /* what this side receives */
    tq_t *tx;              /* the other side's rx */
    bool timer_on;         /* io->timer(true) and not stopped since */
    unsigned timer_starts; /* io->timer(true) calls */
    unsigned timer_stops;  /* io->timer(false) calls */
    unsigned sent;         /* datagrams (sends) handed to io->send */
    unsigned drop_tx;      /* drop this many of the next sends (lost on the wire) */
    bool recv_emsgsize;    /* the next io->recv reports an oversized datagram */
    uint8_t first_tx[TQ_DGRAM];
    size_t first_tx_len;
    uint8_t last_tx[TQ_DGRAM];
    size_t last_tx_len;
    _Alignas(8) uint8_t ctx[CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE];
    _Alignas(8) uint8_t sess[CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE];
} peer_t;

static tq_t q_c2s, q_s2c;
static peer_t cli, srv;

static const uint8_t id_ok[] = "client-1";
static const uint8_t key_ok[16] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };
static const uint8_t key_bad[16] = { 0xff, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                     0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };
static const uint8_t id_unknown[] = "nobody";
static const uint8_t peer_addr[] = { 4, 127, 0, 0, 1, 0x16, 0x34 };

static const sock_secure_psk_t psk_ok = { id_ok, sizeof(id_ok) - 1, key_ok, sizeof(key_ok) };
static const sock_secure_psk_t psk_wrong_key = { id_ok, sizeof(id_ok) - 1, key_bad,
                                                 sizeof(key_bad) };
static const sock_secure_psk_t psk_unknown = { id_unknown, sizeof(id_unknown) - 1, key_ok,
                                               sizeof(key_ok) };

static int t_send(void *ctx, const uint8_t *buf, size_t len)
{
    peer_t *p = ctx;
    p->sent++;
    if (p->first_tx_len == 0 && len <= TQ_DGRAM) {
        memcpy(p->first_tx, buf, len);
        p->first_tx_len = len;
    }
    if (len <= TQ_DGRAM) {
        memcpy(p->last_tx, buf, len);
        p->last_tx_len = len;
    }
    if (p->drop_tx > 0) {
        p->drop_tx--;
        return (int)len; /* lost on the wire */
    }
    if (!tq_push(p->tx, buf, len)) {
        return -EAGAIN;
    }
    return (int)len;
}

static int t_recv(void *ctx, uint8_t *buf, size_t len)
{
    peer_t *p = ctx;
    tq_t *q = p->rx;
    if (p->recv_emsgsize) {
        p->recv_emsgsize = false;
        return -EMSGSIZE;
    }
    if (q->count == 0) {
        return -EAGAIN;
    }
    size_t i = q->head;
    if (!p->stream) {
        size_t n = q->len[i];
        if (n > len) {
            tq_pop(q);
            return -EMSGSIZE;
        }
        memcpy(buf, q->data[i], n);
        tq_pop(q);
        return (int)n;
    }
    size_t n = q->len[i] - q->off;
    if (n > len) {
        n = len;
    }
    memcpy(buf, q->data[i] + q->off, n);
    q->off += n;
    if (q->off == q->len[i]) {
        tq_pop(q);
    }
    return (int)n;
}

static void t_timer(void *ctx, bool run)
{
    peer_t *p = ctx;
    p->timer_on = run;
    if (run) {
        p->timer_starts++;
    } else {
        p->timer_stops++;
    }
}

/* The server's PSK store: one identity. */
static size_t t_psk(void *ctx, const uint8_t *identity, size_t identity_len, uint8_t *key,
                    size_t key_max)
{
    (void)ctx;
    if (identity_len == psk_ok.identity_len &&
        memcmp(identity, psk_ok.identity, identity_len) == 0 && psk_ok.key_len <= key_max) {
        memcpy(key, psk_ok.key, psk_ok.key_len);
        return psk_ok.key_len;
    }
    return 0;
}

static const tlsman_io_t t_io = { t_send, t_recv, t_timer, t_psk };

/* ---- set-up and handshake driving --------------------------------------------------------------- */

static void peers_reset(bool stream)
{
    memset(&q_c2s, 0, sizeof(q_c2s));
    memset(&q_s2c, 0, sizeof(q_s2c));
    memset(&cli, 0, sizeof(cli));
    memset(&srv, 0, sizeof(srv));
    cli.name = "client";
    cli.rx = &q_s2c;
    cli.tx = &q_c2s;
    srv.name = "server";
    srv.rx = &q_c2s;
    srv.tx = &q_s2c;
    cli.stream = srv.stream = stream;
}

static int ctx_up(peer_t *p, tlsman_role_t role, const uint16_t *suites, size_t n,
                  const sock_secure_psk_t *psk, bool datagram, size_t mtu)
{
    tlsman_config_t cfg = {
        .role = role,
        .datagram = datagram,
        .suites = suites,
        .suite_count = n,
        .psk = psk,
        .psk_hint = NULL,
        .psk_hint_len = 0,
        .mtu = mtu,
        .io = &t_io,
    };
    return DRV->ctx_init(p->ctx, &cfg);
}

/* Both sockets and sessions up. Returns false (after failed checks) if any step failed. */
static bool pair_up(const uint16_t *cli_suites, size_t cli_n, const uint16_t *srv_suites,
                    size_t srv_n, const sock_secure_psk_t *cli_psk, bool stream, size_t mtu)
{
    peers_reset(stream);
    int rc = ctx_up(&cli, TLSMAN_CLIENT, cli_suites, cli_n, cli_psk, !stream, mtu);
    CHECK_EQ(rc, 0);
    if (rc != 0) {
        return false;
    }
    rc = ctx_up(&srv, TLSMAN_SERVER, srv_suites, srv_n, NULL, !stream, mtu);
    CHECK_EQ(rc, 0);
    if (rc != 0) {
        DRV->ctx_free(cli.ctx);
        return false;
    }
    CHECK_EQ(DRV->session_init(cli.ctx, cli.sess, &cli, NULL, 0), 0);
    CHECK_EQ(DRV->session_init(srv.ctx, srv.sess, &srv, peer_addr, sizeof(peer_addr)), 0);
    return true;
}

static void pair_down(void)
{
    DRV->session_free(cli.sess);
    DRV->session_free(srv.sess);
    DRV->ctx_free(cli.ctx);
    DRV->ctx_free(srv.ctx);
}

typedef struct {
    int cli;             /* last handshake() result of the client */
    int srv;             /* ... of the server */
    unsigned hello_verify; /* server sessions restarted after HelloVerifyRequest */
} hs_result_t;

/*
 * Call handshake() on both sides in turn until both are done (0 or an error) or nothing moves
 * (both waiting, both queues empty: a timer would be needed). Like the core, a server session that
 * answers with HelloVerifyRequest is freed and a fresh one takes the next ClientHello.
 * With drop_server_final, the server's last flight is lost the moment it completes.
 */
static hs_result_t run_handshake(bool drop_server_final)
{
    hs_result_t r = { -EAGAIN, -EAGAIN, 0 };
    for (int i = 0; i < 200; i++) {
        if (r.cli == -EAGAIN) {
            r.cli = DRV->handshake(cli.sess);
        }
        if (r.srv == -EAGAIN) {
            r.srv = DRV->handshake(srv.sess);
            if (r.srv == SOCK_SECURE_E_HELLO_VERIFY) {
                r.hello_verify++;
                DRV->session_free(srv.sess);
                CHECK_EQ(DRV->session_init(srv.ctx, srv.sess, &srv, peer_addr,
                                           sizeof(peer_addr)), 0);
                r.srv = -EAGAIN;
            } else if (r.srv == 0 && drop_server_final) {
                tq_clear(&q_s2c);
            }
        }
        if (r.cli != -EAGAIN && r.srv != -EAGAIN) {
            break;
        }
        if (q_c2s.count == 0 && q_s2c.count == 0) {
            break;
        }
    }
    return r;
}

/* A full PSK handshake over datagrams with one suite; returns true if both sides completed. */
static bool connect_pair(uint16_t suite, size_t mtu)
{
    const uint16_t suites[] = { suite };
    if (!pair_up(suites, 1, suites, 1, &psk_ok, false, mtu)) {
        return false;
    }
    hs_result_t r = run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    return r.cli == 0 && r.srv == 0;
}

/* ---- scenarios ---------------------------------------------------------------------------------- */

static void dtls_psk_ccm8_handshake_passes_hello_verify(void)
{
    if (!connect_pair(SOCK_SECURE_PSK_AES_128_CCM_8, 1280)) {
        pair_down();
        return;
    }
    /* the server's first answer was a HelloVerifyRequest: handshake record, msg_type 3 */
    CHECK(srv.first_tx_len > 25);
    CHECK_EQ(srv.first_tx[0], 22);
    CHECK_EQ(srv.first_tx[13], 3);

    tlsman_info_t ci, si;
    CHECK_EQ(DRV->info(cli.sess, &ci), 0);
    CHECK_EQ(DRV->info(srv.sess, &si), 0);
    CHECK_EQ(ci.suite, SOCK_SECURE_PSK_AES_128_CCM_8);
    CHECK_EQ(si.suite, SOCK_SECURE_PSK_AES_128_CCM_8);
    CHECK(ci.version != NULL && strcmp(ci.version, "DTLSv1.2") == 0);
    CHECK(si.version != NULL && strcmp(si.version, "DTLSv1.2") == 0);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_NONE);
    CHECK_EQ(si.alert_origin, TLSMAN_ALERT_NONE);
    /* established: no retransmission timer left running on either side */
    CHECK(!cli.timer_on);
    CHECK(!srv.timer_on);
    /* a second handshake() call on an established session is a no-op */
    CHECK_EQ(DRV->handshake(cli.sess), 0);
    pair_down();
}

static void hello_verify_is_answered_before_any_state(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    if (!pair_up(suites, 1, suites, 1, &psk_ok, false, 1280)) {
        return;
    }
    CHECK_EQ(DRV->handshake(srv.sess), -EAGAIN); /* nothing received yet */
    CHECK_EQ(DRV->handshake(cli.sess), -EAGAIN); /* ClientHello out */
    CHECK_EQ(q_c2s.count, 1);
    CHECK_EQ(DRV->handshake(srv.sess), SOCK_SECURE_E_HELLO_VERIFY);
    CHECK_EQ(q_s2c.count, 1);
    DRV->session_free(srv.sess);
    CHECK_EQ(DRV->session_init(srv.ctx, srv.sess, &srv, peer_addr, sizeof(peer_addr)), 0);
    hs_result_t r = run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    CHECK_EQ(r.hello_verify, 0);
    pair_down();
}

static void data_flows_both_ways_with_exact_bytes(void)
{
    if (!connect_pair(SOCK_SECURE_PSK_AES_128_CCM_8, 1280)) {
        pair_down();
        return;
    }
    static const uint8_t ping[] = "ping-1234";
    uint8_t buf[512];

    CHECK_EQ(DRV->read(srv.sess, buf, sizeof(buf)), -EAGAIN); /* nothing sent yet */
    CHECK_EQ(DRV->write(cli.sess, ping, sizeof(ping)), (int)sizeof(ping));
    CHECK_EQ(DRV->read(srv.sess, NULL, 0), (int)sizeof(ping));
    CHECK_EQ(DRV->read(srv.sess, NULL, 0), (int)sizeof(ping)); /* still there */
    CHECK(!DRV->pending(srv.sess));
    CHECK_EQ(DRV->read(srv.sess, buf, sizeof(ping) - 1), -EMSGSIZE); /* kept */
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(DRV->read(srv.sess, buf, sizeof(buf)), (int)sizeof(ping));
    CHECK_MEM(buf, ping, sizeof(ping));
    CHECK_EQ(DRV->read(srv.sess, buf, sizeof(buf)), -EAGAIN);

    uint8_t big[300];
    for (size_t i = 0; i < sizeof(big); i++) {
        big[i] = (uint8_t)(i * 7 + 3);
    }
    CHECK_EQ(DRV->write(srv.sess, big, sizeof(big)), (int)sizeof(big));
    memset(buf, 0, sizeof(buf));
    CHECK_EQ(DRV->read(cli.sess, buf, sizeof(big)), (int)sizeof(big)); /* exactly fits */
    CHECK_MEM(buf, big, sizeof(big));
    CHECK_EQ(DRV->read(cli.sess, buf, sizeof(buf)), -EAGAIN);
    pair_down();
}

static void each_psk_suite_is_negotiated(void)
{
    static const uint16_t all[] = { SOCK_SECURE_PSK_AES_128_CCM_8, SOCK_SECURE_PSK_AES_128_CCM,
                                    SOCK_SECURE_PSK_AES_128_GCM_SHA256,
                                    SOCK_SECURE_PSK_CHACHA20_POLY1305 };
    static const uint8_t msg[] = "suite check";
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        if (!connect_pair(all[i], 1280)) {
            fprintf(stderr, "  suite 0x%04X failed\n", all[i]);
            pair_down();
            continue;
        }
        tlsman_info_t ci, si;
        DRV->info(cli.sess, &ci);
        DRV->info(srv.sess, &si);
        CHECK_EQ(ci.suite, all[i]);
        CHECK_EQ(si.suite, all[i]);
        uint8_t buf[64];
        CHECK_EQ(DRV->write(cli.sess, msg, sizeof(msg)), (int)sizeof(msg));
        CHECK_EQ(DRV->read(srv.sess, buf, sizeof(buf)), (int)sizeof(msg));
        CHECK_MEM(buf, msg, sizeof(msg));
        pair_down();
    }
}

static void server_picks_a_suite_the_client_offered(void)
{
    static const uint16_t cs[] = { SOCK_SECURE_PSK_AES_128_GCM_SHA256,
                                   SOCK_SECURE_PSK_AES_128_CCM_8 };
    static const uint16_t ss[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    if (!pair_up(cs, 2, ss, 1, &psk_ok, false, 1280)) {
        return;
    }
    hs_result_t r = run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    tlsman_info_t ci;
    DRV->info(cli.sess, &ci);
    CHECK_EQ(ci.suite, SOCK_SECURE_PSK_AES_128_CCM_8);
    pair_down();
}

/* A wrong key shows when the server cannot decrypt the client's Finished: mbedTLS (even with
 * badmac_limit 0) fails the handshake there and sends bad_record_mac (20) in the clear, since the
 * server has not switched its write keys yet. */
static void wrong_psk_fails_both_sides_with_bad_record_mac(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    if (!pair_up(suites, 1, suites, 1, &psk_wrong_key, false, 1280)) {
        return;
    }
    hs_result_t r = run_handshake(false);
    CHECK_EQ(r.srv, SOCK_SECURE_E_HANDSHAKE);
    CHECK_EQ(r.cli, SOCK_SECURE_E_ALERT);
    tlsman_info_t ci, si;
    DRV->info(cli.sess, &ci);
    DRV->info(srv.sess, &si);
    CHECK_EQ(si.alert, 20);
    CHECK_EQ(si.alert_origin, TLSMAN_ALERT_SENT);
    CHECK_EQ(ci.alert, 20);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(si.suite, 0); /* not established */
    CHECK(si.version == NULL);
    pair_down();
}

static void unknown_identity_gets_unknown_psk_identity_alert(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    if (!pair_up(suites, 1, suites, 1, &psk_unknown, false, 1280)) {
        return;
    }
    hs_result_t r = run_handshake(false);
    CHECK_EQ(r.srv, SOCK_SECURE_E_PSK_IDENTITY);
    CHECK_EQ(r.cli, SOCK_SECURE_E_ALERT);
    tlsman_info_t ci, si;
    DRV->info(cli.sess, &ci);
    DRV->info(srv.sess, &si);
    CHECK_EQ(si.alert, 115);
    CHECK_EQ(si.alert_origin, TLSMAN_ALERT_SENT);
    CHECK_EQ(ci.alert, 115);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_RECEIVED);
    pair_down();
}

static void no_common_suite_fails_with_handshake_failure(void)
{
    static const uint16_t cs[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    static const uint16_t ss[] = { SOCK_SECURE_PSK_AES_128_GCM_SHA256 };
    if (!pair_up(cs, 1, ss, 1, &psk_ok, false, 1280)) {
        return;
    }
    hs_result_t r = run_handshake(false);
    CHECK_EQ(r.srv, SOCK_SECURE_E_NO_SUITE);
    CHECK_EQ(r.cli, SOCK_SECURE_E_ALERT);
    tlsman_info_t ci, si;
    DRV->info(cli.sess, &ci);
    DRV->info(srv.sess, &si);
    CHECK_EQ(si.alert, 40);
    CHECK_EQ(si.alert_origin, TLSMAN_ALERT_SENT);
    CHECK_EQ(ci.alert, 40);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_RECEIVED);
    pair_down();
}

static void lost_client_hello_is_resent_after_timer_expired(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    if (!pair_up(suites, 1, suites, 1, &psk_ok, false, 1280)) {
        return;
    }
    cli.drop_tx = 1;
    CHECK_EQ(DRV->handshake(cli.sess), -EAGAIN);
    CHECK_EQ(cli.sent, 1);
    CHECK_EQ(q_c2s.count, 0); /* lost */
    CHECK(cli.timer_on);
    CHECK(cli.timer_starts >= 1); /* mbedTLS arms twice per flight (flight done, flushed) */
    unsigned starts = cli.timer_starts;
    uint8_t first[TQ_DGRAM];
    size_t first_len = cli.last_tx_len;
    memcpy(first, cli.last_tx, first_len);

    /* no expiry, no datagram: nothing is sent */
    CHECK_EQ(DRV->handshake(cli.sess), -EAGAIN);
    CHECK_EQ(cli.sent, 1);

    /* expiry: the next step resends the same ClientHello (new record sequence number) */
    DRV->timer_expired(cli.sess);
    CHECK_EQ(DRV->handshake(cli.sess), -EAGAIN);
    CHECK_EQ(cli.sent, 2);
    CHECK_EQ(q_c2s.count, 1);
    CHECK_EQ(q_c2s.len[q_c2s.head], first_len);
    CHECK(first_len > 13);
    /* same record but for the sequence number (bytes 5..10): type, version, epoch ... */
    CHECK_MEM(q_c2s.data[q_c2s.head], first, 10);
    CHECK(q_c2s.data[q_c2s.head][10] != first[10]); /* ... sequence number moved on ... */
    CHECK_MEM(q_c2s.data[q_c2s.head] + 11, first + 11, first_len - 11); /* ... same hello */
    /* the re-arm is all the core sees: a stop would reset its back-off and retry count */
    CHECK(cli.timer_on);
    CHECK(cli.timer_starts > starts);
    CHECK_EQ(cli.timer_stops, 0);
    starts = cli.timer_starts;

    /* a second expiry resends again */
    DRV->timer_expired(cli.sess);
    CHECK_EQ(DRV->handshake(cli.sess), -EAGAIN);
    CHECK_EQ(cli.sent, 3);
    CHECK_EQ(q_c2s.count, 2);
    CHECK(cli.timer_starts > starts);
    CHECK_EQ(cli.timer_stops, 0);

    hs_result_t r = run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    CHECK(!cli.timer_on);
    CHECK(cli.timer_stops >= 1); /* the server's answer stopped it */
    pair_down();
}

/* The server's last flight (ChangeCipherSpec, Finished) is lost: the server is established, the
 * client times out and resends its Finished flight; the server's read() answers it by resending
 * its flight (inside mbedTLS) and reports -EAGAIN. */
static void lost_final_flight_is_recovered_after_the_handshake(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_GCM_SHA256 };
    if (!pair_up(suites, 1, suites, 1, &psk_ok, false, 1280)) {
        return;
    }
    hs_result_t r = run_handshake(true);
    CHECK_EQ(r.srv, 0);
    CHECK_EQ(r.cli, -EAGAIN);
    CHECK(cli.timer_on);
    unsigned srv_sent = srv.sent;

    DRV->timer_expired(cli.sess);
    CHECK_EQ(DRV->handshake(cli.sess), -EAGAIN);
    CHECK(q_c2s.count >= 1);
    uint8_t buf[64];
    CHECK_EQ(DRV->read(srv.sess, buf, sizeof(buf)), -EAGAIN);
    CHECK(srv.sent > srv_sent);
    CHECK(q_s2c.count >= 1);
    CHECK_EQ(DRV->handshake(cli.sess), 0);
    CHECK(!cli.timer_on);

    static const uint8_t msg[] = "after recovery";
    CHECK_EQ(DRV->write(cli.sess, msg, sizeof(msg)), (int)sizeof(msg));
    CHECK_EQ(DRV->read(srv.sess, buf, sizeof(buf)), (int)sizeof(msg));
    CHECK_MEM(buf, msg, sizeof(msg));
    pair_down();
}

static void close_notify_makes_peer_read_peer_closed(void)
{
    if (!connect_pair(SOCK_SECURE_PSK_AES_128_CCM_8, 1280)) {
        pair_down();
        return;
    }
    uint8_t buf[64];
    CHECK_EQ(DRV->close_notify(cli.sess), 0);
    CHECK_EQ(q_c2s.count, 1);
    CHECK_EQ(DRV->read(srv.sess, buf, sizeof(buf)), SOCK_SECURE_E_PEER_CLOSED);
    tlsman_info_t ci, si;
    DRV->info(cli.sess, &ci);
    DRV->info(srv.sess, &si);
    CHECK_EQ(si.alert, 0);
    CHECK_EQ(si.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(ci.alert, 0);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_SENT);
    pair_down();
}

static void write_larger_than_max_payload_is_emsgsize(void)
{
    if (!connect_pair(SOCK_SECURE_PSK_AES_128_CCM_8, 600)) {
        pair_down();
        return;
    }
    size_t max = DRV->max_payload(cli.sess);
    /* 600 - 13 (header) - 8 (explicit nonce) - 8 (CCM_8 tag) */
    CHECK_EQ(max, 571);
    static uint8_t data[1024];
    for (size_t i = 0; i < sizeof(data); i++) {
        data[i] = (uint8_t)i;
    }
    unsigned sent = cli.sent;
    CHECK_EQ(DRV->write(cli.sess, data, max + 1), -EMSGSIZE);
    CHECK_EQ(cli.sent, sent); /* nothing went out */
    CHECK_EQ(DRV->write(cli.sess, data, max), (int)max);
    CHECK_EQ(cli.last_tx_len, 600);
    uint8_t buf[1024];
    CHECK_EQ(DRV->read(srv.sess, buf, sizeof(buf)), (int)max);
    CHECK_MEM(buf, data, max);
    pair_down();
}

static void two_records_in_one_datagram_are_read_in_turn(void)
{
    if (!connect_pair(SOCK_SECURE_PSK_AES_128_CCM, 1280)) {
        pair_down();
        return;
    }
    CHECK_EQ(DRV->write(cli.sess, (const uint8_t *)"one", 3), 3);
    CHECK_EQ(DRV->write(cli.sess, (const uint8_t *)"second", 6), 6);
    REQUIRE(q_c2s.count == 2);
    /* pack both records into one datagram, as a peer may */
    uint8_t dgram[TQ_DGRAM];
    size_t a = q_c2s.len[q_c2s.head];
    memcpy(dgram, q_c2s.data[q_c2s.head], a);
    tq_pop(&q_c2s);
    size_t b = q_c2s.len[q_c2s.head];
    memcpy(dgram + a, q_c2s.data[q_c2s.head], b);
    tq_pop(&q_c2s);
    tq_push(&q_c2s, dgram, a + b);

    uint8_t buf[64];
    CHECK_EQ(DRV->read(srv.sess, NULL, 0), 3);
    CHECK(DRV->pending(srv.sess)); /* the second record is still undecrypted */
    CHECK_EQ(DRV->read(srv.sess, buf, sizeof(buf)), 3);
    CHECK_MEM(buf, "one", 3);
    CHECK(DRV->pending(srv.sess));
    CHECK_EQ(DRV->read(srv.sess, buf, sizeof(buf)), 6);
    CHECK_MEM(buf, "second", 6);
    CHECK(!DRV->pending(srv.sess));
    CHECK_EQ(DRV->read(srv.sess, buf, sizeof(buf)), -EAGAIN);
    pair_down();
}

static void oversized_datagram_is_a_dropped_bad_record(void)
{
    if (!connect_pair(SOCK_SECURE_PSK_AES_128_CCM_8, 1280)) {
        pair_down();
        return;
    }
    uint8_t buf[64];
    srv.recv_emsgsize = true;
    CHECK_EQ(DRV->read(srv.sess, buf, sizeof(buf)), SOCK_SECURE_E_BAD_RECORD);
    /* not fatal: the session carries on */
    CHECK_EQ(DRV->write(cli.sess, (const uint8_t *)"still", 5), 5);
    CHECK_EQ(DRV->read(srv.sess, buf, sizeof(buf)), 5);
    CHECK_MEM(buf, "still", 5);
    pair_down();
}

static void tls_over_a_stream_handshakes_and_carries_data(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_GCM_SHA256 };
    if (!pair_up(suites, 1, suites, 1, &psk_ok, true, 0)) {
        return;
    }
    hs_result_t r = run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    CHECK_EQ(r.hello_verify, 0);
    tlsman_info_t ci;
    DRV->info(cli.sess, &ci);
    CHECK(ci.version != NULL && strcmp(ci.version, "TLSv1.2") == 0);
    CHECK_EQ(ci.suite, SOCK_SECURE_PSK_AES_128_GCM_SHA256);
    uint8_t buf[64];
    CHECK_EQ(DRV->write(srv.sess, (const uint8_t *)"over tcp", 8), 8);
    CHECK_EQ(DRV->read(cli.sess, buf, sizeof(buf)), 8);
    CHECK_MEM(buf, "over tcp", 8);
    pair_down();
}

static void calls_before_the_handshake_are_enotconn(void)
{
    const uint16_t suites[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    if (!pair_up(suites, 1, suites, 1, &psk_ok, false, 1280)) {
        return;
    }
    uint8_t buf[8] = { 0 };
    CHECK_EQ(DRV->read(cli.sess, buf, sizeof(buf)), -ENOTCONN);
    CHECK_EQ(DRV->write(cli.sess, buf, sizeof(buf)), -ENOTCONN);
    tlsman_info_t ci;
    CHECK_EQ(DRV->info(cli.sess, &ci), 0);
    CHECK_EQ(ci.suite, 0);
    CHECK(ci.version == NULL);
    CHECK_EQ(ci.alert_origin, TLSMAN_ALERT_NONE);
    pair_down();
}

static void unsupported_suites_and_credentials_are_refused(void)
{
    peers_reset(false);
    const uint16_t ecdhe[] = { SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8 };
    const uint16_t bogus[] = { 0x1234 };
    const uint16_t mixed[] = { SOCK_SECURE_PSK_AES_128_CCM_8, 0x0000 };
    const uint16_t ok[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    CHECK_EQ(ctx_up(&cli, TLSMAN_CLIENT, ecdhe, 1, &psk_ok, true, 1280), -ENOTSUP);
    CHECK_EQ(ctx_up(&cli, TLSMAN_CLIENT, bogus, 1, &psk_ok, true, 1280), -ENOTSUP);
    CHECK_EQ(ctx_up(&srv, TLSMAN_SERVER, mixed, 2, NULL, true, 1280), -ENOTSUP);
    CHECK_EQ(ctx_up(&cli, TLSMAN_CLIENT, ok, 1, NULL, true, 1280), -EINVAL); /* no PSK */
    CHECK_EQ(ctx_up(&cli, TLSMAN_CLIENT, ok, 0, &psk_ok, true, 1280), -EINVAL);
    /* keys beyond CONFIG_SOCK_SECURE_PSK_KEY_MAX (32, mbedTLS's own limit) are refused */
    static const uint8_t long_key[CONFIG_SOCK_SECURE_PSK_KEY_MAX + 1] = { 1 };
    const sock_secure_psk_t psk_long = { id_ok, sizeof(id_ok) - 1, long_key, sizeof(long_key) };
    CHECK_EQ(ctx_up(&cli, TLSMAN_CLIENT, ok, 1, &psk_long, true, 1280), -EINVAL);

    CHECK(DRV->suite_supported(SOCK_SECURE_PSK_AES_128_CCM_8, true));
    CHECK(DRV->suite_supported(SOCK_SECURE_PSK_AES_128_CCM, true));
    CHECK(DRV->suite_supported(SOCK_SECURE_PSK_AES_128_GCM_SHA256, true));
    CHECK(DRV->suite_supported(SOCK_SECURE_PSK_CHACHA20_POLY1305, true));
    CHECK(DRV->suite_supported(SOCK_SECURE_PSK_AES_128_GCM_SHA256, false));
    CHECK(!DRV->suite_supported(SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8, true));
    CHECK(!DRV->suite_supported(SOCK_SECURE_ECDHE_ECDSA_AES_128_GCM, true));
    CHECK(!DRV->suite_supported(0x008C, true)); /* TLS_PSK_WITH_AES_128_CBC_SHA: not AEAD */
    CHECK(!DRV->suite_supported(0x1234, true));

    /* a failed ctx_init leaves nothing to free, and ctx_free on it is harmless */
    DRV->ctx_free(cli.ctx);
    DRV->ctx_free(srv.ctx);
}

static void driver_table_is_complete(void)
{
    CHECK(strcmp(DRV->name, "mbedtls") == 0);
    CHECK(DRV->version != NULL && strncmp(DRV->version, "2.28", 4) == 0);
    CHECK((DRV->caps & TLSMAN_CAP_DTLS) != 0);
    CHECK((DRV->caps & TLSMAN_CAP_PSK) != 0);
    CHECK((DRV->caps & TLSMAN_CAP_RENEGOTIATION) == 0);
    CHECK(DRV->renew == NULL);
    CHECK(DRV->ctx_size > 0 && DRV->ctx_size <= CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE);
    CHECK(DRV->session_size > 0 && DRV->session_size <= CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE);
    CHECK(DRV->suite_supported && DRV->ctx_init && DRV->ctx_free && DRV->session_init &&
          DRV->session_free && DRV->handshake && DRV->timer_expired && DRV->read &&
          DRV->pending && DRV->write && DRV->close_notify && DRV->info && DRV->max_payload);
}

#endif /* SS_HAVE_MBEDTLS */

int main(void)
{
#ifndef SS_HAVE_MBEDTLS
    tu_skip("the mbedTLS driver is not part of this build");
#else
    RUN(driver_table_is_complete);
    RUN(dtls_psk_ccm8_handshake_passes_hello_verify);
    RUN(hello_verify_is_answered_before_any_state);
    RUN(data_flows_both_ways_with_exact_bytes);
    RUN(each_psk_suite_is_negotiated);
    RUN(server_picks_a_suite_the_client_offered);
    RUN(wrong_psk_fails_both_sides_with_bad_record_mac);
    RUN(unknown_identity_gets_unknown_psk_identity_alert);
    RUN(no_common_suite_fails_with_handshake_failure);
    RUN(lost_client_hello_is_resent_after_timer_expired);
    RUN(lost_final_flight_is_recovered_after_the_handshake);
    RUN(close_notify_makes_peer_read_peer_closed);
    RUN(write_larger_than_max_payload_is_emsgsize);
    RUN(two_records_in_one_datagram_are_read_in_turn);
    RUN(oversized_datagram_is_a_dropped_bad_record);
    RUN(tls_over_a_stream_handshakes_and_carries_data);
    RUN(calls_before_the_handshake_are_enotconn);
    RUN(unsupported_suites_and_credentials_are_refused);
#endif
    return tu_exit();
}
