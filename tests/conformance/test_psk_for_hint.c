/* A client that chooses its PSK from the server's identity hint (sock_secure_config_t.psk_for_hint,
 * SOCK_SECURE_CAP_PSK_FOR_HINT), over the in-memory net with the simulated clock, with the real
 * backend on both ends: of two PSKs only the one the hint names works; without a hint the
 * callback is asked with none and its "keep the default" answer offers psk[0]; a callback error
 * fails that handshake only (the server gets an alert, the session ends with the callback's
 * code), another handshake at the same time completes. A backend without the capability
 * (mbedTLS 2.28, whose client drops the hint) refuses the callback at create. */
#include <string.h>

#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "node.h"
#include "testutil.h"

#define SLOTS 4
#define OTHER_ADDR "[fd00::3]:5684" /* a second server, with PSK b and hint "hint-b" */

static const uint8_t key_b[16] = { 0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
                                   0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf };
static const sock_secure_psk_t psk_b = { (const uint8_t *)"dev-b", 5, key_b, sizeof(key_b) };

static const tlsman_driver_t *backend;
static tu_node_t srv_a, srv_b, client;

/* What the callback saw, and what it answers. */
typedef struct {
    int calls;
    size_t hint_len;
    bool hint_null;
    uint8_t hint[64];
    int fail_with;   /* != 0: return this */
    bool keep;       /* return 1 (keep the default) */
    bool bad_psk;    /* fill an invalid PSK */
} pick_t;

static pick_t pick;

/* The application's table: "hint-a" -> PSK a, "hint-b" -> PSK b, anything else: the default. */
static int by_hint(void *arg, const sock_secure_ep_t *remote, const uint8_t *hint,
                   size_t hint_len, sock_secure_psk_t *psk)
{
    pick_t *p = arg;
    (void)remote;
    p->calls++;
    p->hint_null = hint == NULL;
    p->hint_len = hint_len;
    if (hint != NULL && hint_len <= sizeof(p->hint)) {
        memcpy(p->hint, hint, hint_len);
    }
    if (p->fail_with != 0) {
        return p->fail_with;
    }
    if (p->bad_psk) {
        *psk = (sock_secure_psk_t){ (const uint8_t *)"x", 0, key_b, sizeof(key_b) };
        return 0;
    }
    if (p->keep) {
        return 1;
    }
    if (hint_len == 6 && memcmp(hint, "hint-b", 6) == 0) {
        *psk = psk_b;
        return 0;
    }
    if (hint_len == 6 && memcmp(hint, "hint-a", 6) == 0) {
        *psk = tu_psk_a;
        return 0;
    }
    return 1;
}

static void pump(void)
{
    tu_node_t *all[] = { &srv_a, &srv_b, &client };
    tu_pump(all, 3);
}

static void close_all(void)
{
    tu_node_close(&client);
    tu_node_close(&srv_b);
    tu_node_close(&srv_a);
}

static void open_server(tu_node_t *n, const char *addr, const sock_secure_psk_t *psk,
                        const char *hint)
{
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, SOCK_SECURE_SERVER, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, psk);
    cfg.psk_hint = hint;
    REQUIRE(tu_node_open_cfg(n, addr, &cfg) == 0);
}

/* The client: psk[0] = PSK a (the default), by_hint asked with the server's hint. */
static void open_client(void)
{
    sock_secure_config_t cfg;
    memset(&pick, 0, sizeof(pick));
    tu_node_config(&client, &cfg, SOCK_SECURE_CLIENT, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, &tu_psk_a);
    cfg.psk_for_hint = by_hint;
    cfg.psk_for_hint_arg = &pick;
    REQUIRE(tu_node_open_cfg(&client, TU_CLIENT_ADDR, &cfg) == 0);
}

/* Server a (PSK a, hint "hint-a"), server b (PSK b, "hint-b") and the client on a fresh net. */
static void open_hinted_servers_and_client(void)
{
    tu_net_start();
    open_server(&srv_a, TU_SERVER_ADDR, &tu_psk_a, "hint-a");
    open_server(&srv_b, OTHER_ADDR, &psk_b, "hint-b");
    open_client();
}

static sock_secure_session_t *start(const char *addr)
{
    sock_secure_ep_t to = tu_ep(addr);
    sock_secure_session_t *s = NULL;
    CHECK_EQ(sock_secure_connect(&client.sock, &to, &s, 0), -EINPROGRESS);
    return s;
}

static int state_of(sock_secure_session_t *s, int *last_error)
{
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(s, &info), 0);
    if (last_error != NULL) {
        *last_error = info.last_error;
    }
    return info.state;
}

/* the client sends @p msg, the server's accept()ed session echoes it back, byte for byte */
static void echo(tu_node_t *server, sock_secure_session_t *cs, const char *msg)
{
    char buf[64];
    sock_secure_session_t *got = NULL;
    CHECK_EQ(sock_secure_session_send(cs, msg, strlen(msg)), (int)strlen(msg));
    pump();
    int n = sock_secure_recv_any(&server->sock, &got, buf, sizeof(buf), 0);
    REQUIRE(n == (int)strlen(msg));
    CHECK_MEM(buf, msg, strlen(msg));
    CHECK_EQ(sock_secure_session_send(got, buf, (size_t)n), n);
    pump();
    char back[64];
    sock_secure_session_t *from = NULL;
    CHECK_EQ(sock_secure_recv_any(&client.sock, &from, back, sizeof(back), 0), n);
    CHECK(from == cs);
    CHECK_MEM(back, msg, strlen(msg));
}

/* Two servers, two hints: each handshake offers the PSK its server's hint names, and the one to
 * server b works only because of it (its default, PSK a, is refused there). */
static void the_hint_chooses_the_psk(void)
{
    open_hinted_servers_and_client();

    sock_secure_session_t *sb = start(OTHER_ADDR);
    pump();
    CHECK_EQ(state_of(sb, NULL), SOCK_SECURE_ST_OPEN);
    CHECK_EQ(pick.calls, 1);
    CHECK(!pick.hint_null);
    CHECK_EQ(pick.hint_len, 6u);
    CHECK_MEM(pick.hint, "hint-b", 6);
    echo(&srv_b, sb, "chosen by hint-b");

    sock_secure_session_t *sa = start(TU_SERVER_ADDR);
    pump();
    CHECK_EQ(state_of(sa, NULL), SOCK_SECURE_ST_OPEN);
    CHECK_EQ(pick.calls, 2);
    CHECK_MEM(pick.hint, "hint-a", 6);
    echo(&srv_a, sa, "chosen by hint-a");

    /* the other PSK does not work there: keeping the default (PSK a) fails at server b */
    CHECK_EQ(sock_secure_session_close(sb), 0);
    pump();
    pick.keep = true;
    sock_secure_session_t *again = start(OTHER_ADDR);
    pump();
    int err = 0;
    CHECK_EQ(state_of(again, &err), SOCK_SECURE_ST_CLOSED);
    CHECK(err < 0);
    CHECK_EQ(pick.calls, 3);
    close_all();
}

/* No hint from the server: the callback is asked with NULL, 0; "keep" offers psk[0] and a choice
 * of its own is used as well. */
static void without_a_hint_the_callback_decides(void)
{
    tu_net_start();
    open_server(&srv_a, TU_SERVER_ADDR, &tu_psk_a, NULL);
    open_server(&srv_b, OTHER_ADDR, &psk_b, NULL);
    open_client();

    sock_secure_session_t *sa = start(TU_SERVER_ADDR); /* by_hint: no hint -> 1, psk[0] */
    pump();
    CHECK_EQ(state_of(sa, NULL), SOCK_SECURE_ST_OPEN);
    CHECK_EQ(pick.calls, 1);
    CHECK(pick.hint_null);
    CHECK_EQ(pick.hint_len, 0u);
    echo(&srv_a, sa, "default psk");
    close_all();
}

/* The callback fails one handshake: an alert goes to that server, the session ends with the
 * callback's own code; a handshake with the other server at the same time completes. */
static void a_callback_error_fails_that_handshake_only(void)
{
    open_hinted_servers_and_client();

    sock_secure_session_t *sb = start(OTHER_ADDR);
    pump(); /* server b done first: its callback succeeds */
    CHECK_EQ(state_of(sb, NULL), SOCK_SECURE_ST_OPEN);
    pick.fail_with = -EACCES;
    sock_secure_session_t *sa = start(TU_SERVER_ADDR);
    pump();
    int err = 0;
    CHECK_EQ(state_of(sa, &err), SOCK_SECURE_ST_CLOSED);
    CHECK_EQ(err, -EACCES);
    CHECK_EQ(client.ev.error, 1);
    CHECK_EQ(client.ev.last_err, -EACCES);
    /* the server was told: its half-done session ended on our alert, nothing stayed */
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&srv_a.sock, &st), 0);
    CHECK_EQ(st.sessions_handshake, 0u);
    CHECK_EQ(st.sessions_open, 0u);
    CHECK_EQ(st.handshakes_failed, 1u);
    echo(&srv_b, sb, "still fine"); /* the other session is untouched */

    /* an invalid PSK from the callback: -EINVAL */
    CHECK_EQ(sock_secure_session_close(sa), 0);
    pick.fail_with = 0;
    pick.bad_psk = true;
    sa = start(TU_SERVER_ADDR);
    pump();
    CHECK_EQ(state_of(sa, &err), SOCK_SECURE_ST_CLOSED);
    CHECK_EQ(err, -EINVAL);
    close_all();
}

/* A server has nobody to ask (-EINVAL); a backend without the capability refuses (-ENOTSUP). */
static void refused_where_it_cannot_work(void)
{
    sock_secure_config_t cfg;
    tu_net_start();
    CHECK_EQ(tu_node_join(&client, TU_CLIENT_ADDR), 0);
    tu_node_config(&client, &cfg, SOCK_SECURE_SERVER, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, &tu_psk_a);
    cfg.psk_for_hint = by_hint;
    CHECK_EQ(sock_secure_create(&client.sock, &cfg), -EINVAL);
    tu_node_config(&client, &cfg, SOCK_SECURE_CLIENT, tu_backend_name, SLOTS);
    tu_node_psk(&cfg, &tu_psk_a);
    cfg.psk_for_hint = by_hint;
    int rc = sock_secure_create(&client.sock, &cfg);
    if (backend->caps & TLSMAN_CAP_PSK_FOR_HINT) {
        CHECK_EQ(rc, 0);
        sock_secure_close(&client.sock);
    } else {
        CHECK_EQ(rc, -ENOTSUP);
        printf("  %s cannot hand the server's hint to the client: refused\n", backend->name);
    }
    tu_node_close(&client);
}

int main(void)
{
    backend = tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK);
    RUN(refused_where_it_cannot_work);
    if (!(backend->caps & TLSMAN_CAP_PSK_FOR_HINT)) {
        return tu_exit();
    }
    RUN(the_hint_chooses_the_psk);
    RUN(without_a_hint_the_callback_decides);
    RUN(a_callback_error_fails_that_handshake_only);
    return tu_exit();
}
