/* Renegotiation (sock_secure_renew(), sock_secure_config_t.renegotiation, SOCK_SECURE_EV_RENEWED),
 * once per built driver with SOCK_SECURE_CAP_RENEGOTIATION (the others are skipped), over the
 * in-memory net: a client's and a server's renew each end in one RENEWED event on both ends,
 * after which application records travel in the next epoch (new keys, read off the wire); a
 * record the peer sent before it saw the new handshake is delivered, and a send during the
 * renegotiation is refused with -EAGAIN (nothing taken, nothing lost); a second renew works; a
 * lost flight is retransmitted; a socket without renegotiation refuses renew (-ENOTSUP) and a
 * peer's attempt, and its session goes on under its keys. */
#include <stdlib.h>

#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "node.h"
#include "testutil.h"

#define SLOTS 2

typedef struct {
    tu_node_t n;
    int renewed;
    char got[64]; /* the record read while the renegotiation ran (run_until_renewed) */
    int got_len;
} rnode_t;

static const tlsman_driver_t *drv;
static rnode_t server, client;
static sock_secure_session_t *cs, *ss;

/* The epoch of the last application record each end sent (read off the wire by the net's
 * filter), and a datagram of one sender to drop. */
static struct {
    unsigned client_epoch, server_epoch;
    int drop_from_server_at, server_sent, dropped;
} wire;

static int watch(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to,
                 uint8_t *data, size_t *len)
{
    (void)arg;
    (void)to;
    bool from_server = sock_secure_ep_equal(from, &server.n.mem.addr);
    if (from_server && ++wire.server_sent == wire.drop_from_server_at) {
        wire.dropped++;
        return SOCK_SECURE_MEM_DROP;
    }
    if (*len >= 13 && data[0] == 23) {
        unsigned epoch = (unsigned)data[3] << 8 | data[4];
        *(from_server ? &wire.server_epoch : &wire.client_epoch) = epoch;
    }
    return SOCK_SECURE_MEM_DELIVER;
}

static void on_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                     int err, void *arg)
{
    rnode_t *r = arg;
    if (ev == SOCK_SECURE_EV_RENEWED) {
        r->renewed++;
    }
    (void)sock;
    (void)s;
    tu_on_event(sock, s, ev, err, &r->n);
}

static const char *server_backend; /* NULL: drv's (the cross-driver scenario sets another) */

static void node_open(rnode_t *r, const char *addr, sock_secure_role_t role, bool renegotiation)
{
    sock_secure_config_t cfg;
    tu_node_config(&r->n, &cfg, role,
                   role == SOCK_SECURE_SERVER && server_backend ? server_backend : drv->name,
                   SLOTS);
    tu_node_psk(&cfg, &tu_psk_a);
    cfg.renegotiation = renegotiation;
    cfg.event_cb = on_event;
    cfg.event_arg = r;
    r->renewed = 0;
    r->got_len = 0;
    CHECK_EQ(tu_node_open_cfg(&r->n, addr, &cfg), 0);
}

static tu_node_t *const all[] = { &server.n, &client.n };

static void pump(void)
{
    tu_pump(all, 2);
}

static void setup(bool server_reneg, bool client_reneg)
{
    tu_net_start();
    memset(&wire, 0, sizeof(wire));
    tu_net.filter = watch;
    node_open(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER, server_reneg);
    node_open(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT, client_reneg);
    cs = tu_connect(&client.n, &server.n);
    ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.n.sock, &ss, 0), 0);
}

static void teardown(void)
{
    tu_node_close(&client.n);
    tu_node_close(&server.n);
    tu_net.filter = NULL;
}

/* A record each way, checked; returns the epochs they travelled in via wire. */
static void exchange(const char *tag)
{
    uint8_t buf[64];
    size_t n = strlen(tag);
    CHECK_EQ(sock_secure_session_send(cs, tag, n), (int)n);
    pump();
    CHECK_EQ(sock_secure_session_recv(ss, buf, sizeof(buf), 0), (int)n);
    CHECK_MEM(buf, tag, n);
    CHECK_EQ(sock_secure_session_send(ss, tag, n), (int)n);
    pump();
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), 0), (int)n);
    CHECK_MEM(buf, tag, n);
}

/* Pump, advancing the simulated clock while a timer runs, until both ends reported RENEWED
 * @p want times. */
static void read_what_came(void)
{
    /* as an application does on DATA: a record left unread holds its session's input back */
    int n = sock_secure_session_recv(cs, client.got, sizeof(client.got), 0);
    if (n > 0) {
        client.got_len = n;
    }
    n = sock_secure_session_recv(ss, server.got, sizeof(server.got), 0);
    if (n > 0) {
        server.got_len = n;
    }
}

static void run_until_renewed(int want)
{
    pump();
    read_what_came();
    pump();
    for (int i = 0; i < 10 && (client.renewed < want || server.renewed < want); i++) {
        if (!tu_advance(all, 2)) {
            break;
        }
        pump();
        read_what_came();
        pump();
    }
}

static void client_renew_replaces_the_keys_without_losing_a_record(void)
{
    setup(true, true);
    REQUIRE(cs != NULL && ss != NULL);
    exchange("before");
    CHECK_EQ(wire.client_epoch, 1);
    CHECK_EQ(wire.server_epoch, 1);
    /* a record from the server is on its way when the client starts */
    CHECK_EQ(sock_secure_session_send(ss, "in flight", 9), 9);
    CHECK_EQ(sock_secure_renew(cs), 0);
    CHECK_EQ(sock_secure_renew(cs), -EALREADY);
    CHECK_EQ(sock_secure_session_send(cs, "too early", 9), -EAGAIN); /* nothing taken */
    run_until_renewed(1);
    CHECK_EQ(client.renewed, 1);
    CHECK_EQ(server.renewed, 1);
    CHECK_EQ(client.got_len, 9);
    CHECK_MEM(client.got, "in flight", 9);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    exchange("after");
    CHECK_EQ(wire.client_epoch, 2); /* the new keys */
    CHECK_EQ(wire.server_epoch, 2);
    /* and again */
    CHECK_EQ(sock_secure_renew(cs), 0);
    run_until_renewed(2);
    CHECK_EQ(client.renewed, 2);
    exchange("twice");
    CHECK_EQ(wire.client_epoch, 3);
    CHECK_EQ(client.n.ev.error + server.n.ev.error, 0);
    teardown();
}

static void server_renew_replaces_the_keys(void)
{
    setup(true, true);
    REQUIRE(cs != NULL && ss != NULL);
    CHECK_EQ(sock_secure_session_send(cs, "from client", 11), 11); /* crosses the HelloRequest */
    CHECK_EQ(sock_secure_renew(ss), 0);
    run_until_renewed(1);
    CHECK_EQ(client.renewed, 1);
    CHECK_EQ(server.renewed, 1);
    CHECK_EQ(server.got_len, 11);
    CHECK_MEM(server.got, "from client", 11);
    exchange("after");
    CHECK_EQ(wire.client_epoch, 2);
    CHECK_EQ(wire.server_epoch, 2);
    teardown();
}

static void lost_flight_during_renegotiation_is_retransmitted(void)
{
    setup(true, true);
    REQUIRE(cs != NULL && ss != NULL);
    wire.drop_from_server_at = wire.server_sent + 1; /* the server's next flight */
    CHECK_EQ(sock_secure_renew(cs), 0);
    run_until_renewed(1);
    CHECK_EQ(wire.dropped, 1);
    CHECK_EQ(client.renewed, 1);
    CHECK_EQ(server.renewed, 1);
    sock_secure_stats_t a, b;
    CHECK_EQ(sock_secure_stats(&client.n.sock, &a), 0);
    CHECK_EQ(sock_secure_stats(&server.n.sock, &b), 0);
    CHECK(a.retransmits + b.retransmits >= 1);
    exchange("after loss");
    CHECK_EQ(wire.client_epoch, 2);
    teardown();
}

static void without_renegotiation_renew_is_refused_and_keys_stay(void)
{
    setup(false, true); /* the server does not take renegotiations */
    REQUIRE(cs != NULL && ss != NULL);
    CHECK_EQ(sock_secure_renew(ss), -ENOTSUP);
    CHECK_EQ(sock_secure_renew(cs), 0); /* started: the server refuses it (no_renegotiation) */
    run_until_renewed(1);
    CHECK_EQ(client.renewed, 0);
    CHECK_EQ(server.renewed, 0);
    CHECK_EQ(server.n.ev.error, 0); /* the server's session goes on */
    /* our client ends its session at once, saying why (mbedTLS cannot go back to the old keys) */
    CHECK_EQ(client.n.ev.error, 1);
    CHECK_EQ(client.n.ev.last_err, SOCK_SECURE_E_ALERT);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.alert, 100); /* no_renegotiation */
    CHECK_EQ(info.alert_origin, SOCK_SECURE_ALERT_RECEIVED);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&client.n.sock, &st), 0);
    CHECK_EQ(st.retransmits, 0); /* not after the retransmission budget: at once */
    teardown();
    setup(true, false);
    REQUIRE(cs != NULL && ss != NULL);
    CHECK_EQ(sock_secure_renew(cs), -ENOTSUP);
    CHECK_EQ(sock_secure_renew(ss), 0); /* a HelloRequest the client ignores */
    run_until_renewed(1);
    CHECK_EQ(client.renewed + server.renewed, 0);
    exchange("old keys");
    CHECK_EQ(wire.client_epoch, 1);
    CHECK_EQ(client.n.ev.error + server.n.ev.error, 0);
    CHECK_EQ(sock_secure_renew(NULL), -EINVAL);
    teardown();
}

/* Our client renews against a server on each driver without renegotiation: ours ends with a clear
 * reason (never a hang: GnuTLS answers no_renegotiation and ends its side too, tinyDTLS ignores
 * the hello until our retransmission budget runs out). */
static void renew_against_drivers_without_renegotiation_fails_cleanly(void)
{
    int others = 0;
    for (size_t i = 0; tu_driver_at(i) != NULL; i++) {
        const tlsman_driver_t *o = tu_driver_at(i);
        if ((o->caps & TLSMAN_CAP_RENEGOTIATION) ||
            !sock_secure_suite_supported(o->name, tu_default_psk_suite(drv, true), true)) {
            continue;
        }
        server_backend = o->name;
        setup(false, true);
        REQUIRE(cs != NULL && ss != NULL);
        CHECK_EQ(sock_secure_renew(cs), 0);
        run_until_renewed(1);
        for (int k = 0; k < 20 && client.n.ev.error == 0 && tu_advance(all, 2); k++) {
            pump();
            read_what_came();
        }
        CHECK_EQ(client.renewed + server.renewed, 0);
        CHECK_EQ(client.n.ev.error, 1);
        sock_secure_session_info_t info;
        CHECK_EQ(sock_secure_session_info(cs, &info), 0);
        printf("  %s server: our renew ends with %s (alert %u); its session %s\n", o->name,
               sock_secure_strerror(client.n.ev.last_err), info.alert,
               server.n.ev.error ? "ended too" : "goes on");
        teardown();
        server_backend = NULL;
        others++;
    }
    if (others == 0) {
        printf("(no driver without renegotiation and with this one's suite built)\n");
        CHECK(true);
    }
}

int main(void)
{
    drv = tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK | TLSMAN_CAP_RENEGOTIATION);
    RUN(client_renew_replaces_the_keys_without_losing_a_record);
    RUN(server_renew_replaces_the_keys);
    RUN(lost_flight_during_renegotiation_is_retransmitted);
    RUN(without_renegotiation_renew_is_refused_and_keys_stay);
    RUN(renew_against_drivers_without_renegotiation_fails_cleanly);
    return tu_exit();
}
