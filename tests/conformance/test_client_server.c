/* A socket that is server and client at once (SOCK_SECURE_CLIENT_SERVER, what a CoAP endpoint
 * such as RIOT's gcoap needs), and a client PSK chosen per session (psk_select): over the
 * in-memory net with the simulated clock, with the real backend. A backend without
 * SOCK_SECURE_CAP_CLIENT_SERVER must refuse the role (and psk_select without
 * SOCK_SECURE_CAP_PSK_PER_SESSION) at create; psk_select is also checked on a plain client;
 * with both the identity hint and psk_for_hint, each session of a client-server keeps its role's
 * (the hint it sends as a server, the hint it reads as a client). */
#include <string.h>

#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "node.h"
#include "testutil.h"

#define SLOTS 4
#define OTHER_ADDR "[fd00::3]:5684"   /* a second server */
#define THIRD_ADDR "[fd00::4]:5684"   /* a third one, with another PSK */
#define SECOND_CLIENT "[fd00::5]:40000"
#define NOBODY_ADDR "[fd00::9]:5684"  /* nothing listens there */

static const uint8_t key_b[16] = { 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
                                   0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf };
static const sock_secure_psk_t psk_b = { (const uint8_t *)"dev-b", 5, key_b, sizeof(key_b) };

static const tlsman_driver_t *backend;
static tu_node_t node, other, third, client, client2; /* node: the client-server */

static sock_secure_ep_t ep(const char *text)
{
    sock_secure_ep_t e;
    CHECK_EQ(sock_secure_ep_parse(&e, text, 0), 0);
    return e;
}

static void pump(void)
{
    tu_node_t *all[] = { &node, &other, &third, &client, &client2 };
    tu_pump(all, 5);
}

static void close_all(void)
{
    tu_node_close(&client2);
    tu_node_close(&client);
    tu_node_close(&third);
    tu_node_close(&other);
    tu_node_close(&node);
}

/* the client-server at TU_SERVER_ADDR (offers and accepts tu_psk_a), a server at OTHER_ADDR and a
 * client at TU_CLIENT_ADDR, both with tu_psk_a */
static void open_three(size_t node_slots, sock_secure_full_policy_t when_full)
{
    sock_secure_config_t cfg;
    tu_net_start();
    tu_node_config(&node, &cfg, SOCK_SECURE_CLIENT_SERVER, tu_backend_name, node_slots);
    tu_node_psk(&cfg, &tu_psk_a);
    cfg.when_full = when_full;
    CHECK_EQ(tu_node_open_cfg(&node, TU_SERVER_ADDR, &cfg), 0);
    CHECK_EQ(tu_node_open(&other, OTHER_ADDR, SOCK_SECURE_SERVER, tu_backend_name, SLOTS,
                          &tu_psk_a), 0);
    CHECK_EQ(tu_node_open(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT, tu_backend_name, SLOTS,
                          &tu_psk_a), 0);
}

static int echo_record(tu_node_t *from, sock_secure_session_t *fs, tu_node_t *to,
                       const char *msg)
{
    char buf[64];
    sock_secure_session_t *got = NULL;
    CHECK_EQ(sock_secure_session_send(fs, msg, strlen(msg)), (int)strlen(msg));
    pump();
    int n = sock_secure_recv_any(&to->sock, &got, buf, sizeof(buf), 0);
    CHECK_EQ(n, (int)strlen(msg));
    CHECK_MEM(buf, msg, strlen(msg));
    (void)from;
    return n;
}

/* @p from connects to @p addr; the handshake completes. Returns its client session. */
static sock_secure_session_t *connects(tu_node_t *from, const char *addr)
{
    sock_secure_ep_t to = ep(addr);
    sock_secure_session_t *out = NULL;
    CHECK_EQ(sock_secure_connect(&from->sock, &to, &out, 0), -EINPROGRESS);
    pump();
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(out, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(info.suite, tu_default_psk_suite(backend, true));
    CHECK(sock_secure_ep_equal(&info.remote, &to));
    return out;
}

/* It serves a client and, on the same socket and port, connects to another server; records go
 * both ways on both sessions; accept() reports the server session only. */
static void serves_and_connects_on_one_socket(void)
{
    open_three(SLOTS, SOCK_SECURE_FULL_REFUSE);
    sock_secure_session_t *cs = tu_connect(&client, &node); /* client -> client-server */
    CHECK(cs != NULL);
    sock_secure_session_t *served = NULL;
    CHECK_EQ(sock_secure_accept(&node.sock, &served, 0), 0);

    sock_secure_session_t *out = connects(&node, OTHER_ADDR);
    CHECK_EQ(node.ev.connected, 2); /* CONNECTED for both kinds */

    sock_secure_session_t *none = NULL;
    CHECK_EQ(sock_secure_accept(&node.sock, &none, 0), -EAGAIN); /* its own is no new peer */

    echo_record(&client, cs, &node, "client to client-server");
    echo_record(&node, served, &client, "client-server to its client");
    echo_record(&node, out, &other, "client-server to its server");
    sock_secure_session_t *at_other = NULL;
    CHECK_EQ(sock_secure_accept(&other.sock, &at_other, 0), 0);
    echo_record(&other, at_other, &node, "server to the client-server");

    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&node.sock, &st), 0);
    CHECK_EQ(st.handshakes_ok, 2u);
    CHECK_EQ(st.sessions_open, 2u);
    CHECK_EQ(sock_secure_session_close(out), 0);
    pump();
    CHECK_EQ(other.ev.closed, 1); /* close_notify from the client-server's client session */
    close_all();
}

/* Its own handshakes count for none of the server's budgets and never end at the server's
 * deadlines: a peer is admitted while a connect() waits for a server that does not answer, and
 * that connect() outlives the stall deadline (it ends by its retransmission budget). */
static void client_sessions_are_outside_the_server_limits(void)
{
    sock_secure_config_t cfg;
    tu_net_start();
    tu_node_config(&node, &cfg, SOCK_SECURE_CLIENT_SERVER, tu_backend_name, 2);
    tu_node_psk(&cfg, &tu_psk_a);
    cfg.max_half_open = 1;
    cfg.max_half_open_per_addr = 1;
    cfg.handshake_stall_ms = 2000;
    CHECK_EQ(tu_node_open_cfg(&node, TU_SERVER_ADDR, &cfg), 0);
    CHECK_EQ(tu_node_open(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT, tu_backend_name, SLOTS,
                          &tu_psk_a), 0);

    sock_secure_ep_t nobody = ep(NOBODY_ADDR);
    sock_secure_session_t *out = NULL;
    CHECK_EQ(sock_secure_connect(&node.sock, &nobody, &out, 0), -EINPROGRESS);
    pump();
    CHECK(tu_connect(&client, &node) != NULL); /* budget of 1: its own handshake is not in it */
    CHECK_EQ(node.ev.connected, 1);

    tu_node_t *all[] = { &node, &client };
    while (tu_now_ms < 1000 + 10000 && tu_advance(all, 2)) {
        tu_pump(all, 2);
    }
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(out, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_HANDSHAKE); /* past the 2 s stall deadline, retrying */
    CHECK(info.retransmits >= 2);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&node.sock, &st), 0);
    CHECK_EQ(st.expired_stall, 0u);
    while (info.state == SOCK_SECURE_ST_HANDSHAKE && tu_advance(all, 2)) {
        tu_pump(all, 2);
        CHECK_EQ(sock_secure_session_info(out, &info), 0);
    }
    CHECK_EQ(info.state, SOCK_SECURE_ST_CLOSED);
    CHECK_EQ(info.last_error, -ETIMEDOUT);
    CHECK_EQ(info.retransmits, (uint32_t)CONFIG_SOCK_SECURE_HS_MAX_RETRANSMIT);
    close_all();
}

/* A full table evicts the least recently active server session, never the application's own
 * client session (older and idle longer here). */
static void eviction_spares_client_sessions(void)
{
    open_three(2, SOCK_SECURE_FULL_EVICT_LRU);
    sock_secure_session_t *out = connects(&node, OTHER_ADDR);
    tu_now_ms += 100;
    CHECK(tu_connect(&client, &node) != NULL);
    tu_now_ms += 100;
    CHECK_EQ(tu_node_open(&client2, SECOND_CLIENT, SOCK_SECURE_CLIENT, tu_backend_name, SLOTS,
                          &tu_psk_a), 0);
    CHECK(connects(&client2, TU_SERVER_ADDR) != NULL); /* admitted */
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(out, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN); /* the client session stays */
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&node.sock, &st), 0);
    CHECK_EQ(st.evictions, 1u);
    CHECK_EQ(client.ev.closed, 1); /* the first client's session went, with close_notify */
    close_all();
}

/* psk_select: each connect() offers the PSK chosen for its server, two handshakes at once. */
static int select_by_remote(void *arg, const sock_secure_ep_t *remote, sock_secure_psk_t *psk)
{
    int *calls = arg;
    (*calls)++;
    sock_secure_ep_t third_ep = ep(THIRD_ADDR);
    if (remote->port == 9) {
        return -EACCES; /* the application refuses */
    }
    if (remote->port == 10) {
        *psk = (sock_secure_psk_t){ (const uint8_t *)"x", 0, key_b, sizeof(key_b) };
        return 0; /* an invalid PSK */
    }
    *psk = sock_secure_ep_equal(remote, &third_ep) ? psk_b : tu_psk_a;
    return 0;
}

/* psk_select on a socket of @p role: a client-server, or (a backend without sockets of both
 * roles) a plain client. */
static void psk_chosen_per_session_as(sock_secure_role_t role)
{
    sock_secure_config_t cfg;
    int calls = 0;
    tu_net_start();
    tu_node_config(&node, &cfg, role, tu_backend_name, SLOTS);
    cfg.psk_select = select_by_remote; /* no socket-wide PSK at all */
    cfg.psk_select_arg = &calls;
    if (role == SOCK_SECURE_CLIENT_SERVER) {
        cfg.psk = &tu_psk_a; /* ... its server side accepts tu_psk_a */
        cfg.psk_count = 1;
    }
    CHECK_EQ(tu_node_open_cfg(&node, TU_SERVER_ADDR, &cfg), 0);
    CHECK_EQ(tu_node_open(&other, OTHER_ADDR, SOCK_SECURE_SERVER, tu_backend_name, SLOTS,
                          &tu_psk_a), 0);
    CHECK_EQ(tu_node_open(&third, THIRD_ADDR, SOCK_SECURE_SERVER, tu_backend_name, SLOTS,
                          &psk_b), 0);
    sock_secure_ep_t oep = ep(OTHER_ADDR), tep = ep(THIRD_ADDR);
    sock_secure_session_t *s1 = NULL, *s2 = NULL;
    CHECK_EQ(sock_secure_connect(&node.sock, &oep, &s1, 0), -EINPROGRESS);
    CHECK_EQ(sock_secure_connect(&node.sock, &tep, &s2, 0), -EINPROGRESS);
    pump();
    sock_secure_session_info_t i1, i2;
    CHECK_EQ(sock_secure_session_info(s1, &i1), 0);
    CHECK_EQ(sock_secure_session_info(s2, &i2), 0);
    CHECK_EQ(i1.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(i2.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(calls, 2);
    echo_record(&node, s2, &third, "with psk b");
    echo_record(&node, s1, &other, "with psk a");

    sock_secure_ep_t refused = oep, bad = oep;
    refused.port = 9;
    bad.port = 10;
    sock_secure_session_t *s3 = NULL;
    CHECK_EQ(sock_secure_connect(&node.sock, &refused, &s3, 0), -EACCES);
    CHECK_EQ(sock_secure_connect(&node.sock, &bad, &s3, 0), -EINVAL);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&node.sock, &st), 0);
    CHECK_EQ(st.sessions_handshake, 0u); /* no slot taken by either */
    close_all();
}

static void psk_chosen_per_session(void)
{
    psk_chosen_per_session_as(SOCK_SECURE_CLIENT_SERVER);
}

static void psk_chosen_per_session_client(void)
{
    psk_chosen_per_session_as(SOCK_SECURE_CLIENT);
}

/* psk_for_hint: records the hint each handshake brought; "hint-b" picks psk_b, anything else
 * keeps the default. */
typedef struct {
    int calls;
    size_t hint_len;
    char hint[32];
} hint_seen_t;

static int pick_by_hint(void *arg, const sock_secure_ep_t *remote, const uint8_t *hint,
                        size_t hint_len, sock_secure_psk_t *psk)
{
    hint_seen_t *h = arg;
    (void)remote;
    h->calls++;
    h->hint_len = hint_len < sizeof(h->hint) ? hint_len : sizeof(h->hint);
    if (hint != NULL) {
        memcpy(h->hint, hint, h->hint_len);
    }
    if (hint_len == 6 && memcmp(hint, "hint-b", 6) == 0) {
        *psk = psk_b;
        return 0;
    }
    return 1;
}

/* Server and client sessions keep what their role configures: the client-server's server
 * sessions send its identity hint (and a HelloVerifyRequest first), its client sessions choose
 * their PSK from the other server's hint (psk_for_hint); psk[0] alone would not be accepted
 * there. */
static void hint_and_psk_for_hint_by_role(void)
{
    sock_secure_config_t cfg;
    hint_seen_t at_node = { 0 }, at_client = { 0 };
    tu_net_start();
    tu_node_config(&node, &cfg, SOCK_SECURE_CLIENT_SERVER, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, &tu_psk_a);
    cfg.psk_hint = "node-hint";
    cfg.psk_for_hint = pick_by_hint;
    cfg.psk_for_hint_arg = &at_node;
    CHECK_EQ(tu_node_open_cfg(&node, TU_SERVER_ADDR, &cfg), 0);
    tu_node_config(&third, &cfg, SOCK_SECURE_SERVER, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, &psk_b);
    cfg.psk_hint = "hint-b";
    CHECK_EQ(tu_node_open_cfg(&third, THIRD_ADDR, &cfg), 0);
    tu_node_config(&client, &cfg, SOCK_SECURE_CLIENT, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, &tu_psk_a);
    cfg.psk_for_hint = pick_by_hint;
    cfg.psk_for_hint_arg = &at_client;
    CHECK_EQ(tu_node_open_cfg(&client, TU_CLIENT_ADDR, &cfg), 0);

    sock_secure_session_t *cs = tu_connect(&client, &node); /* client -> client-server */
    CHECK(cs != NULL);
    CHECK_EQ(at_client.calls, 1);
    CHECK_EQ(at_client.hint_len, 9u);
    CHECK_MEM(at_client.hint, "node-hint", 9);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&node.sock, &st), 0);
    CHECK(st.hello_verify_sent >= 1); /* its server session asked for a cookie */
    CHECK_EQ(at_node.calls, 0);       /* ... and no client callback ran there */

    sock_secure_session_t *out = connects(&node, THIRD_ADDR); /* with psk_b, as the hint chose */
    CHECK_EQ(at_node.calls, 1);
    CHECK_EQ(at_node.hint_len, 6u);
    CHECK_MEM(at_node.hint, "hint-b", 6);
    echo_record(&node, out, &third, "chosen by the hint");
    sock_secure_session_t *served = NULL;
    CHECK_EQ(sock_secure_accept(&node.sock, &served, 0), 0);
    echo_record(&node, served, &client, "to the client that saw our hint");
    close_all();
}

/* What the role does not support is refused at create, with the documented codes. */
static void create_refuses_what_the_role_cannot_do(void)
{
    sock_secure_config_t cfg;
    tu_net_start();
    CHECK_EQ(tu_node_join(&node, TU_SERVER_ADDR), 0);

    tu_node_config(&node, &cfg, SOCK_SECURE_CLIENT_SERVER, tu_backend_name, SLOTS);
    CHECK_EQ(sock_secure_create(&node.sock, &cfg), -EINVAL); /* no PSK of any kind */

    static const uint16_t ecdhe[] = { SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8 };
    tu_node_psk(&cfg, &tu_psk_a);
    cfg.suites = ecdhe;
    cfg.suite_count = 1;
    CHECK_EQ(sock_secure_create(&node.sock, &cfg), -ENOTSUP); /* a certificate suite */

    cfg.suites = NULL;
    cfg.suite_count = 0;
    cfg.verify = SOCK_SECURE_VERIFY_REQUIRED;
    CHECK_EQ(sock_secure_create(&node.sock, &cfg), -EINVAL); /* nothing could be verified */

    tu_node_config(&node, &cfg, SOCK_SECURE_SERVER, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, &tu_psk_a);
    cfg.psk_select = select_by_remote;
    CHECK_EQ(sock_secure_create(&node.sock, &cfg), -EINVAL); /* a server connects to nobody */

    tu_node_config(&node, &cfg, SOCK_SECURE_SERVER, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, &tu_psk_a);
    CHECK_EQ(sock_secure_create(&node.sock, &cfg), 0);
    sock_secure_ep_t oep = ep(OTHER_ADDR);
    sock_secure_session_t *s = NULL;
    CHECK_EQ(sock_secure_connect(&node.sock, &oep, &s, 0), -EINVAL); /* as before */
    sock_secure_close(&node.sock);
    tu_node_close(&node);
}

/* A backend without the capability refuses both features at create. */
static void refused_without_the_capability(void)
{
    sock_secure_config_t cfg;
    tu_net_start();
    CHECK_EQ(tu_node_join(&node, TU_SERVER_ADDR), 0);
    tu_node_config(&node, &cfg, SOCK_SECURE_CLIENT_SERVER, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, &tu_psk_a);
    CHECK_EQ(sock_secure_create(&node.sock, &cfg), -ENOTSUP);
    if (!(backend->caps & TLSMAN_CAP_PSK_PER_SESSION)) {
        tu_node_config(&node, &cfg, SOCK_SECURE_CLIENT, tu_backend_name, SLOTS);
        cfg.psk_select = select_by_remote;
        CHECK_EQ(sock_secure_create(&node.sock, &cfg), -ENOTSUP);
    }
    tu_node_close(&node);
}

int main(void)
{
    backend = tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK);
    if (backend->caps & TLSMAN_CAP_PSK_PER_SESSION) {
        RUN(psk_chosen_per_session_client);
    }
    if (!(backend->caps & TLSMAN_CAP_CLIENT_SERVER) || !CONFIG_SOCK_SECURE_CLIENT_SERVER) {
        RUN(refused_without_the_capability);
        return tu_exit();
    }
    RUN(serves_and_connects_on_one_socket);
    RUN(client_sessions_are_outside_the_server_limits);
    RUN(eviction_spares_client_sessions);
    RUN(psk_chosen_per_session);
    if ((backend->caps & TLSMAN_CAP_PSK_HINT) && (backend->caps & TLSMAN_CAP_PSK_FOR_HINT)) {
        RUN(hint_and_psk_for_hint_by_role);
    }
    RUN(create_refuses_what_the_role_cannot_do);
    return tu_exit();
}
