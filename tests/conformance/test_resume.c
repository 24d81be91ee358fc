/* Session resumption (sock_secure_config_t.resumption, sock_secure_session_export(),
 * sock_secure_connect_resume(), sock_secure_ticket_key()), once per built driver that has
 * SOCK_SECURE_CAP_RESUMPTION (the others are skipped): over the in-memory net, a client exports
 * its session, closes, and its next connection is abbreviated (both ends report it resumed and
 * count it in handshakes_resumed) and carries records both ways; a server whose ticket key was
 * rotated once still resumes, twice falls back to a full handshake; a second server with the same
 * key resumes the first one's session (a pool), one with another key does not; a blob that is not
 * a session is refused and starts nothing; the resumed handshake survives the loss of the server's
 * flight and of the client's last one; with certificates (the test PKI, SS_PKI_DIR) the resumed
 * session still reports the suite, and offers no certificate. */
#include <stdlib.h>

#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "node.h"
#include "pki.h"
#include "testutil.h"

#define SLOTS 2
#define SERVER2_ADDR "[fd00::3]:5684"

static const tlsman_driver_t *drv;
static tu_node_t server, server2, client;
static uint8_t blob[SOCK_SECURE_SESSION_EXPORT_MAX];
static int blob_len;

static const uint8_t key_a[SOCK_SECURE_TICKET_KEY_LEN] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
static const uint8_t key_b[SOCK_SECURE_TICKET_KEY_LEN] = { 0xB, 0xB, 0xB };
static const uint8_t key_c[SOCK_SECURE_TICKET_KEY_LEN] = { 0xC, 0xC, 0xC };

/* A node with PSK "dev-a", or with certificates (server: its chain and key; client: the CA and
 * server name) when @p certs. */
static const char *server_backend; /* NULL: drv's (set by the cross-driver scenario) */

static void node_open(tu_node_t *n, const char *addr, sock_secure_role_t role, bool resumption,
                      bool certs)
{
    sock_secure_config_t cfg;
    bool srv = role == SOCK_SECURE_SERVER;
    tu_node_config(n, &cfg, role, srv && server_backend ? server_backend : drv->name, SLOTS);
    if (certs) {
        REQUIRE(tu_creds_load(&n->creds, srv ? "server.crt" : NULL, srv ? "server.key" : NULL,
                              srv ? NULL : "ca.crt", false) == 0);
        tu_node_use_creds(n, &cfg);
        cfg.server_name = srv ? NULL : "server.test";
    } else {
        tu_node_psk(&cfg, &tu_psk_a);
    }
    cfg.resumption = resumption;
    CHECK_EQ(tu_node_open_cfg(n, addr, &cfg), 0);
}

static void setup(bool certs)
{
    tu_net_start();
    node_open(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER, true, certs);
    node_open(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT, true, certs);
}

static void teardown(void)
{
    tu_node_close(&client);
    tu_node_close(&server);
    tu_node_close(&server2);
    tu_net.filter = NULL;
}

static tu_node_t *const all[] = { &server, &server2, &client };

static void pump(void)
{
    tu_pump(all, 3);
}

static uint32_t resumed_count(const tu_node_t *n)
{
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&n->sock, &st), 0);
    return st.handshakes_resumed;
}

/* The client's first connection to @p to: full, then exported into blob and closed. */
static void full_then_export(tu_node_t *to, const char *addr)
{
    sock_secure_ep_t ep = tu_ep(addr);
    sock_secure_session_t *cs = NULL;
    CHECK_EQ(sock_secure_connect(&client.sock, &ep, &cs, 0), -EINPROGRESS);
    pump();
    REQUIRE(cs != NULL);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK(!info.resumed);
    blob_len = sock_secure_session_export(cs, blob, sizeof(blob));
    CHECK(blob_len > 0);
    uint8_t tiny[8];
    CHECK_EQ(sock_secure_session_export(cs, tiny, sizeof(tiny)), -EMSGSIZE);
    CHECK_EQ(sock_secure_session_close(cs), 0);
    pump();
    (void)to;
}

/* Connect to @p addr offering blob; returns the session once the handshake ended (pumped, with
 * the simulated clock advanced as long as it runs). */
static sock_secure_session_t *connect_with_blob(const char *addr)
{
    sock_secure_ep_t ep = tu_ep(addr);
    sock_secure_session_t *cs = NULL;
    tu_node_t *srv = strcmp(addr, TU_SERVER_ADDR) == 0 ? &server : &server2;
    int client_before = client.ev.connected + client.ev.error;
    int server_before = srv->ev.connected + srv->ev.error;
    CHECK_EQ(sock_secure_connect_resume(&client.sock, &ep, NULL, blob, (size_t)blob_len, &cs, 0),
             -EINPROGRESS);
    pump();
    for (int i = 0; i < 8 && cs != NULL &&
                    (client.ev.connected + client.ev.error == client_before ||
                     srv->ev.connected + srv->ev.error == server_before);
         i++) {
        if (!tu_advance(all, 3)) {
            break;
        }
        pump();
    }
    return cs;
}

/* @p cs is open, resumed or not as @p resumed says, and carries a record each way with the
 * server @p srv's session. */
static void check_session(sock_secure_session_t *cs, tu_node_t *srv, bool resumed)
{
    REQUIRE(cs != NULL);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(info.resumed, resumed);
    CHECK(info.suite != 0);
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&srv->sock, &ss, 0), 0);
    REQUIRE(ss != NULL);
    CHECK_EQ(sock_secure_session_info(ss, &info), 0);
    CHECK_EQ(info.resumed, resumed);
    CHECK_EQ(sock_secure_session_send(cs, "after resume", 12), 12);
    pump();
    uint8_t buf[32];
    CHECK_EQ(sock_secure_session_recv(ss, buf, sizeof(buf), 0), 12);
    CHECK_MEM(buf, "after resume", 12);
    CHECK_EQ(sock_secure_session_send(ss, "back", 4), 4);
    pump();
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), 0), 4);
    CHECK_MEM(buf, "back", 4);
}

static void exported_session_resumes_abbreviated(void)
{
    setup(false);
    full_then_export(&server, TU_SERVER_ADDR);
    sock_secure_session_t *cs = connect_with_blob(TU_SERVER_ADDR);
    check_session(cs, &server, true);
    CHECK_EQ(resumed_count(&client), 1);
    CHECK_EQ(resumed_count(&server), 1);
    sock_secure_stats_t after;
    CHECK_EQ(sock_secure_stats(&server.sock, &after), 0);
    CHECK_EQ(after.handshakes_ok, 2);
    /* the same blob again, after a restart of the client's socket: still resumes */
    CHECK_EQ(sock_secure_session_close(cs), 0);
    pump();
    cs = connect_with_blob(TU_SERVER_ADDR);
    check_session(cs, &server, true);
    CHECK_EQ(resumed_count(&server), 2);
    teardown();
}

/* A backend without ticket_key (GnuTLS: its tickets live as long as the socket) refuses it. */
static bool has_ticket_key(void)
{
    if (drv->ticket_key != NULL) {
        return true;
    }
    setup(false);
    CHECK_EQ(sock_secure_ticket_key(&server.sock, key_a, sizeof(key_a)), -ENOTSUP);
    teardown();
    printf("(%s sets no ticket keys: -ENOTSUP checked, rotation and pools not run)\n", drv->name);
    return false;
}

static void rotated_key_still_resumes_twice_rotated_falls_back(void)
{
    if (!has_ticket_key()) {
        return;
    }
    setup(false);
    CHECK_EQ(sock_secure_ticket_key(&server.sock, key_a, sizeof(key_a)), 0);
    full_then_export(&server, TU_SERVER_ADDR);
    CHECK_EQ(sock_secure_ticket_key(&server.sock, key_b, sizeof(key_b)), 0); /* a is previous */
    sock_secure_session_t *cs = connect_with_blob(TU_SERVER_ADDR);
    check_session(cs, &server, true);
    CHECK_EQ(sock_secure_session_close(cs), 0);
    pump();
    CHECK_EQ(sock_secure_ticket_key(&server.sock, key_c, sizeof(key_c)), 0); /* a retired */
    cs = connect_with_blob(TU_SERVER_ADDR);
    check_session(cs, &server, false); /* a full handshake instead: nothing fails */
    CHECK_EQ(resumed_count(&server), 1);
    teardown();
}

static void pool_sharing_a_key_resumes_each_others_sessions(void)
{
    if (!has_ticket_key()) {
        return;
    }
    setup(false);
    node_open(&server2, SERVER2_ADDR, SOCK_SECURE_SERVER, true, false);
    CHECK_EQ(sock_secure_ticket_key(&server.sock, key_a, sizeof(key_a)), 0);
    CHECK_EQ(sock_secure_ticket_key(&server2.sock, key_a, sizeof(key_a)), 0);
    full_then_export(&server, TU_SERVER_ADDR);
    sock_secure_session_t *cs = connect_with_blob(SERVER2_ADDR);
    check_session(cs, &server2, true);
    CHECK_EQ(resumed_count(&server2), 1);
    CHECK_EQ(sock_secure_session_close(cs), 0);
    pump();
    /* server2 moves to its own key: server's ticket is no longer one of its */
    CHECK_EQ(sock_secure_ticket_key(&server2.sock, key_b, sizeof(key_b)), 0);
    CHECK_EQ(sock_secure_ticket_key(&server2.sock, key_c, sizeof(key_c)), 0);
    cs = connect_with_blob(SERVER2_ADDR);
    check_session(cs, &server2, false);
    teardown();
}

static void server_without_resumption_answers_a_full_handshake(void)
{
    tu_net_start();
    node_open(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER, true, false);
    node_open(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT, true, false);
    full_then_export(&server, TU_SERVER_ADDR);
    tu_node_close(&server);
    node_open(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER, false, false); /* a new process */
    sock_secure_session_t *cs = connect_with_blob(TU_SERVER_ADDR);
    check_session(cs, &server, false);
    CHECK_EQ(resumed_count(&client), 0);
    teardown();
}

static void bad_blobs_and_calls_are_refused(void)
{
    setup(false);
    sock_secure_ep_t ep = tu_ep(TU_SERVER_ADDR);
    sock_secure_session_t *cs = NULL;
    static const uint8_t junk[40] = { 3, 2, 1 };
    CHECK_EQ(sock_secure_connect_resume(&client.sock, &ep, NULL, junk, sizeof(junk), &cs, 0),
             -EINVAL);
    CHECK_EQ(sock_secure_connect_resume(&client.sock, &ep, NULL, junk, 0, &cs, 0), -EINVAL);
    CHECK_EQ(sock_secure_connect_resume(&client.sock, &ep, NULL, NULL, 4, &cs, 0), -EINVAL);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&client.sock, &st), 0);
    CHECK_EQ(st.sessions_handshake, 0); /* nothing started */
    CHECK_EQ(sock_secure_ticket_key(&client.sock, key_a, sizeof(key_a)), -ENOTSUP);
    CHECK_EQ(sock_secure_ticket_key(&server.sock, key_a, 16), -EINVAL);
    CHECK_EQ(sock_secure_ticket_key(&server.sock, key_a, sizeof(key_a)),
             drv->ticket_key != NULL ? 0 : -ENOTSUP);
    CHECK_EQ(sock_secure_ticket_key(&server.sock, NULL, sizeof(key_a)), -EINVAL);
    cs = tu_connect(&client, &server);
    REQUIRE(cs != NULL);
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
    REQUIRE(ss != NULL);
    uint8_t buf[SOCK_SECURE_SESSION_EXPORT_MAX];
    CHECK_EQ(sock_secure_session_export(ss, buf, sizeof(buf)), -ENOTSUP); /* a server's */
    CHECK_EQ(sock_secure_session_export(NULL, buf, sizeof(buf)), -EINVAL);
    CHECK_EQ(sock_secure_session_export(cs, NULL, 0), -EINVAL);
    teardown();
    /* a server without resumption refuses ticket keys */
    tu_net_start();
    node_open(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER, false, false);
    CHECK_EQ(sock_secure_ticket_key(&server.sock, key_a, sizeof(key_a)), -ENOTSUP);
    teardown();
}

/* The net's filter: drop the n-th datagram of one sender. */
static struct {
    sock_secure_ep_t from;
    int count, drop_at, dropped;
} loss;

static int drop_one(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to,
                    uint8_t *data, size_t *len)
{
    (void)arg;
    (void)to;
    (void)data;
    (void)len;
    if (sock_secure_ep_equal(from, &loss.from) && ++loss.count == loss.drop_at) {
        loss.dropped++;
        return SOCK_SECURE_MEM_DROP;
    }
    return SOCK_SECURE_MEM_DELIVER;
}

/* Lose one datagram of @p who during the resumed handshake: the n-th it sends. */
static void resumed_handshake_survives_loss_of(tu_node_t *who, int nth)
{
    setup(false);
    full_then_export(&server, TU_SERVER_ADDR);
    memset(&loss, 0, sizeof(loss));
    loss.from = who->mem.addr;
    loss.drop_at = nth;
    tu_net.filter = drop_one;
    sock_secure_session_t *cs = connect_with_blob(TU_SERVER_ADDR);
    CHECK_EQ(loss.dropped, 1);
    check_session(cs, &server, true);
    sock_secure_stats_t sc, ssv; /* the loss was repaired by a retransmission */
    CHECK_EQ(sock_secure_stats(&client.sock, &sc), 0);
    CHECK_EQ(sock_secure_stats(&server.sock, &ssv), 0);
    CHECK(sc.retransmits + ssv.retransmits >= 1);
    teardown();
}

static void resumed_handshake_survives_a_lost_server_flight(void)
{
    /* the server's 1st datagram is its HelloVerifyRequest, the 2nd its abbreviated flight */
    resumed_handshake_survives_loss_of(&server, 2);
}

static void resumed_handshake_survives_a_lost_client_finished(void)
{
    /* the client's hello, the hello with the cookie, then its ChangeCipherSpec + Finished */
    resumed_handshake_survives_loss_of(&client, 3);
}

static void certificate_session_resumes_without_certificate(void)
{
    if (tu_pki_dir == NULL || !(drv->caps & TLSMAN_CAP_X509)) {
        printf("(no test PKI or no certificates: certificate case not run)\n");
        CHECK(true);
        return;
    }
    setup(true);
    full_then_export(&server, TU_SERVER_ADDR);
    sock_secure_session_t *cs = connect_with_blob(TU_SERVER_ADDR);
    check_session(cs, &server, true);
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.suite, SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8);
    CHECK_EQ(info.verify, 0); /* what was verified at the full handshake */
    teardown();
}

/* Our client on this driver, our server on every other driver with resumption: the ticket is the
 * server's business, the session blob the client's, so they resume across stacks. */
static void resumes_with_a_server_on_another_driver(void)
{
    int others = 0;
    for (size_t i = 0; tu_driver_at(i) != NULL; i++) {
        const tlsman_driver_t *o = tu_driver_at(i);
        if (o == drv || !(o->caps & TLSMAN_CAP_RESUMPTION) ||
            !sock_secure_suite_supported(o->name, tu_default_psk_suite(drv, true), true)) {
            continue;
        }
        server_backend = o->name;
        setup(false);
        full_then_export(&server, TU_SERVER_ADDR);
        sock_secure_session_t *cs = connect_with_blob(TU_SERVER_ADDR);
        check_session(cs, &server, true);
        printf("  %s client resumed with a %s server\n", drv->name, o->name);
        teardown();
        server_backend = NULL;
        others++;
    }
    if (others == 0) {
        printf("(no other driver with resumption and this one's suite built)\n");
        CHECK(true);
    }
}

int main(int argc, char **argv)
{
    drv = tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK | TLSMAN_CAP_RESUMPTION);
    (void)tu_pki_init(argc, argv);
    RUN(exported_session_resumes_abbreviated);
    RUN(rotated_key_still_resumes_twice_rotated_falls_back);
    RUN(pool_sharing_a_key_resumes_each_others_sessions);
    RUN(server_without_resumption_answers_a_full_handshake);
    RUN(bad_blobs_and_calls_are_refused);
    RUN(resumed_handshake_survives_a_lost_server_flight);
    RUN(resumed_handshake_survives_a_lost_client_finished);
    RUN(certificate_session_resumes_without_certificate);
    RUN(resumes_with_a_server_on_another_driver);
    return tu_exit();
}
