/* Save/restore of an established DTLS session (sock_secure_session_save(),
 * sock_secure_session_restore()), once per built driver with SOCK_SECURE_CAP_SAVE_RESTORE (the
 * others are skipped), over the in-memory net: a client saves its session, its socket goes (the
 * device powers down), a new socket restores it and records flow both ways with no handshake
 * (the server's handshake count is unchanged); the blob is zeroed by the restore, and the zeroed
 * blob is refused; a server saves and restores its side the same way; a peer that dropped the
 * session ignores the restored one's records and a new handshake replaces it; what cannot be
 * saved is refused and leaves the session working (an unread record: -EBUSY; a small buffer:
 * -EMSGSIZE; renegotiation configured: -ENOTSUP); a corrupt blob is refused and zeroed; no free
 * slot: -ENOMEM with the blob intact. */
#include <stdlib.h>

#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "node.h"
#include "testutil.h"

#define SLOTS 2

static const tlsman_driver_t *drv;
static tu_node_t server, client;
static uint8_t blob[SOCK_SECURE_SESSION_EXPORT_MAX];

static void node_open(tu_node_t *n, const char *addr, sock_secure_role_t role, bool reneg)
{
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, role, drv->name, SLOTS);
    tu_node_psk(&cfg, &tu_psk_a);
    cfg.renegotiation = reneg;
    CHECK_EQ(tu_node_open_cfg(n, addr, &cfg), 0);
}

static void pump(void)
{
    tu_pump2(&server, &client);
}

static bool all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0) {
            return false;
        }
    }
    return true;
}

/* One record from @p a's session to @p b's, checked. */
static void one_record(sock_secure_session_t *from, sock_secure_session_t *to, const char *text)
{
    size_t n = strlen(text);
    uint8_t buf[64];
    CHECK_EQ(sock_secure_session_send(from, text, n), (int)n);
    pump();
    CHECK_EQ(sock_secure_session_recv(to, buf, sizeof(buf), 0), (int)n);
    CHECK_MEM(buf, text, n);
}

static void setup(sock_secure_session_t **cs, sock_secure_session_t **ss)
{
    tu_net_start();
    node_open(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER, false);
    node_open(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT, false);
    *cs = tu_connect(&client, &server);
    *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, ss, 0), 0);
}

static void teardown(void)
{
    tu_node_close(&client);
    tu_node_close(&server);
}

/* The client's socket goes and comes back (a device that slept), its session restored from
 * blob. */
static sock_secure_session_t *client_reboots_and_restores(int len)
{
    tu_node_close(&client);
    node_open(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT, false);
    sock_secure_ep_t srv = tu_ep(TU_SERVER_ADDR);
    sock_secure_session_t *cs = NULL;
    CHECK_EQ(sock_secure_session_restore(&client.sock, &srv, blob, (size_t)len, &cs), 0);
    CHECK(all_zero(blob, (size_t)len)); /* never twice */
    return cs;
}

static void saved_client_session_carries_records_after_a_reboot(void)
{
    sock_secure_session_t *cs, *ss;
    setup(&cs, &ss);
    REQUIRE(cs != NULL && ss != NULL);
    one_record(cs, ss, "before sleep");
    int len = sock_secure_session_save(cs, blob, sizeof(blob));
    REQUIRE(len > 0);
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&client.sock, &st), 0);
    CHECK_EQ(st.sessions_open, 0); /* the slot is free */
    sock_secure_session_info_t info;
    CHECK_EQ(sock_secure_session_info(cs, &info), -EINVAL);
    cs = client_reboots_and_restores(len);
    REQUIRE(cs != NULL);
    CHECK_EQ(sock_secure_session_info(cs, &info), 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(info.suite, tu_default_psk_suite(drv, true));
    one_record(cs, ss, "after wake-up");
    one_record(ss, cs, "welcome back");
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.handshakes_ok, 1); /* no second handshake */
    CHECK_EQ(st.drop_bad_record, 0);
    CHECK_EQ(client.ev.connected, 0); /* restored, not connected */
    /* the zeroed blob is no session */
    sock_secure_ep_t other = tu_ep("[fd00::9]:5684");
    sock_secure_session_t *s2 = NULL;
    CHECK_EQ(sock_secure_session_restore(&client.sock, &other, blob, (size_t)len, &s2), -EINVAL);
    /* and it saves again: the second sleep */
    len = sock_secure_session_save(cs, blob, sizeof(blob));
    CHECK(len > 0);
    cs = client_reboots_and_restores(len);
    REQUIRE(cs != NULL);
    one_record(cs, ss, "second wake-up");
    teardown();
}

static void saved_server_session_is_restored(void)
{
    sock_secure_session_t *cs, *ss;
    setup(&cs, &ss);
    REQUIRE(cs != NULL && ss != NULL);
    /* a DTLS server keeps its last flight until the client's first record shows it arrived
     * (mbedTLS: until then the handshake is not over, -EBUSY) */
    CHECK_EQ(sock_secure_session_save(ss, blob, sizeof(blob)), -EBUSY);
    one_record(cs, ss, "first");
    int len = sock_secure_session_save(ss, blob, sizeof(blob));
    REQUIRE(len > 0);
    tu_node_close(&server);
    node_open(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER, false);
    CHECK_EQ(sock_secure_session_restore(&server.sock, &client.mem.addr, blob, (size_t)len, &ss),
             0);
    one_record(cs, ss, "to the restored server");
    one_record(ss, cs, "from it");
    teardown();
}

static void peer_that_dropped_the_session_ignores_it_and_a_new_handshake_works(void)
{
    sock_secure_session_t *cs, *ss;
    setup(&cs, &ss);
    REQUIRE(cs != NULL && ss != NULL);
    int len = sock_secure_session_save(cs, blob, sizeof(blob));
    REQUIRE(len > 0);
    tu_node_close(&server); /* the server restarts: it forgot every session */
    node_open(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER, false);
    cs = client_reboots_and_restores(len);
    REQUIRE(cs != NULL);
    CHECK_EQ(sock_secure_session_send(cs, "anyone?", 7), 7);
    pump();
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&server.sock, &st), 0);
    CHECK_EQ(st.drop_unknown, 1); /* ignored: not a hello */
    CHECK_EQ(st.sessions_open, 0);
    uint8_t buf[16];
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), 0), -EAGAIN); /* silence */
    /* the application's timeout: fall back to a new handshake */
    CHECK_EQ(sock_secure_session_close(cs), 0);
    cs = tu_connect(&client, &server);
    REQUIRE(cs != NULL);
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
    one_record(cs, ss, "fresh");
    teardown();
}

static void what_cannot_be_saved_is_refused_and_the_session_goes_on(void)
{
    sock_secure_session_t *cs, *ss;
    setup(&cs, &ss);
    REQUIRE(cs != NULL && ss != NULL);
    CHECK_EQ(sock_secure_session_send(ss, "unread", 6), 6);
    pump();
    CHECK_EQ(sock_secure_session_save(cs, blob, sizeof(blob)), -EBUSY); /* read it first */
    uint8_t buf[16];
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), 0), 6);
    uint8_t tiny[16];
    CHECK_EQ(sock_secure_session_save(cs, tiny, sizeof(tiny)), -EMSGSIZE);
    CHECK(all_zero(tiny, sizeof(tiny)));
    one_record(cs, ss, "still here");
    CHECK_EQ(sock_secure_session_save(NULL, blob, sizeof(blob)), -EINVAL);
    CHECK_EQ(sock_secure_session_save(cs, NULL, 0), -EINVAL);
    /* a corrupt blob: refused, zeroed, nothing kept */
    int len = sock_secure_session_save(cs, blob, sizeof(blob));
    REQUIRE(len > 0);
    static uint8_t copy[SOCK_SECURE_SESSION_EXPORT_MAX];
    memcpy(copy, blob, (size_t)len);
    blob[0] ^= 0xFF; /* the version header */
    sock_secure_ep_t srv = tu_ep(TU_SERVER_ADDR);
    CHECK_EQ(sock_secure_session_restore(&client.sock, &srv, blob, (size_t)len, &cs), -EINVAL);
    CHECK(all_zero(blob, (size_t)len));
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&client.sock, &st), 0);
    CHECK_EQ(st.sessions_open + st.sessions_handshake, 0);
    /* no free slot: -ENOMEM, the blob intact */
    sock_secure_session_t *a = NULL, *b = NULL;
    sock_secure_ep_t x = tu_ep("[fd00::7]:1"), y = tu_ep("[fd00::8]:1");
    CHECK_EQ(sock_secure_connect(&client.sock, &x, &a, 0), -EINPROGRESS);
    CHECK_EQ(sock_secure_connect(&client.sock, &y, &b, 0), -EINPROGRESS);
    memcpy(blob, copy, (size_t)len);
    CHECK_EQ(sock_secure_session_restore(&client.sock, &srv, blob, (size_t)len, &cs), -ENOMEM);
    CHECK_MEM(blob, copy, (size_t)len);
    memset(copy, 0, sizeof(copy));
    teardown();
    /* a socket that renegotiates cannot save */
    tu_net_start();
    node_open(&server, TU_SERVER_ADDR, SOCK_SECURE_SERVER, false);
    if (drv->caps & TLSMAN_CAP_RENEGOTIATION) {
        node_open(&client, TU_CLIENT_ADDR, SOCK_SECURE_CLIENT, true);
        cs = tu_connect(&client, &server);
        REQUIRE(cs != NULL);
        CHECK_EQ(sock_secure_session_save(cs, blob, sizeof(blob)), -ENOTSUP);
        CHECK_EQ(sock_secure_session_restore(&client.sock, &srv, blob, 10, &cs), -ENOTSUP);
    }
    teardown();
}

int main(void)
{
    drv = tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK | TLSMAN_CAP_SAVE_RESTORE);
    RUN(saved_client_session_carries_records_after_a_reboot);
    RUN(saved_server_session_is_restored);
    RUN(peer_that_dropped_the_session_ignores_it_and_a_new_handshake_works);
    RUN(what_cannot_be_saved_is_refused_and_the_session_goes_on);
    return tu_exit();
}
