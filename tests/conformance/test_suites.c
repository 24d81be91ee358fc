/* The suite table end to end, once per built driver (SS_TEST_BACKEND): every entry of the core's
 * table the driver has is negotiated over DTLS (in-memory net) and TLS (TCP loopback) and
 * reported with its id and name on both ends, and every entry it lacks is refused at create; a
 * suite the stack has but the socket did not list is never negotiated (the stack is configured
 * with exactly the checked list); the configuration of issue #11 (a PSK client listing
 * TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 without a CA) is refused, and with a CA it verifies the
 * server; a PSK identity hint is sent where the backend can send one and refused where it cannot.
 *
 * Certificates come from the test PKI (tests/pki/make-pki.sh, ctest fixture pki_setup) in
 * SS_PKI_DIR or argv[1]; without it the test is skipped. A driver with raw public keys and no
 * certificates (tinyDTLS) negotiates the certificate suites with the server's key alone, pinned
 * by the client (server.pub). */
#include <stdlib.h>

#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/posix/creds.h"
#include "secure_sock/posix/tcp.h"
#include "drvharness.h"
#include "node.h"
#include "pki.h"
#include "testutil.h"

#define SLOTS 2

static const tlsman_driver_t *drv;
/* What one side is given (PKI file names; NULL = none). */
typedef struct {
    sock_secure_role_t role;
    bool psk;
    const char *cert, *key, *ca;
    const char *pin; /* a pinned peer key (raw public keys) */
    const char *server_name;
    const char *psk_hint;
    const uint16_t *suites;
    size_t suite_count;
} spec_t;

static tu_node_t server, client;
static sock_secure_ep_t server_addr;

static bool on_tcp(const tu_node_t *n)
{
    return n->transport == &n->tcp.base;
}

/* Open @p n's transport (TCP loopback or the memory net) and create its socket. Returns
 * sock_secure_create()'s result. */
static int node_up(tu_node_t *n, bool tcp, const spec_t *sp)
{
    memset(&n->ev, 0, sizeof(n->ev));
    int rc = tu_creds_load(&n->creds, sp->cert, sp->key, sp->ca, sp->psk);
    if (rc == 0 && sp->pin != NULL) {
        rc = sock_secure_creds_add_file(&n->creds, TU_TAG_CA, SOCK_SECURE_CRED_PEER_KEY,
                                        tu_pki(sp->pin));
    }
    if (rc < 0) {
        return rc;
    }
    bool srv = sp->role == SOCK_SECURE_SERVER;
    if (tcp) {
        rc = srv ? tu_node_listen_tcp(n, "127.0.0.1:0", SLOTS, &server_addr)
                 : tu_node_open_tcp(n, 1);
    } else {
        rc = tu_node_join(n, srv ? TU_SERVER_ADDR : TU_CLIENT_ADDR);
        if (srv) {
            server_addr = tu_ep(TU_SERVER_ADDR);
        }
    }
    if (rc < 0) {
        return rc;
    }
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, sp->role, drv->name, SLOTS);
    tu_node_use_creds(n, &cfg);
    cfg.server_name = sp->server_name;
    cfg.psk_hint = sp->psk_hint;
    cfg.suites = sp->suites;
    cfg.suite_count = sp->suite_count;
    return tu_node_create(n, &cfg);
}

static void node_down(tu_node_t *n)
{
    tu_node_close(n);
    sock_secure_creds_init(&n->creds); /* zeroes the store */
}

static void start(void)
{
    tu_net_start();
}

static void teardown(void)
{
    node_down(&client);
    node_down(&server);
    tu_net.filter = NULL;
}

/* Run both sides until the client's session left the handshake and the server moved no more. */
static void drive(sock_secure_session_t *cs)
{
    uint64_t t0 = sock_secure_platform_now_ms(NULL);
    for (int i = 0; i < 5000 && sock_secure_platform_now_ms(NULL) - t0 < 5000; i++) {
        int a = sock_secure_process(&server.sock);
        int b = sock_secure_process(&client.sock);
        sock_secure_session_info_t info;
        bool done = sock_secure_session_info(cs, &info) == 0 &&
                    info.state != SOCK_SECURE_ST_HANDSHAKE;
        if (on_tcp(&server)) {
            if (done && i > 2 && a <= 0 && b <= 0) {
                return;
            }
            sock_secure_transport_wait(&server.tcp.base, 1);
        } else if (server.mem.queued == 0 && client.mem.queued == 0 && a <= 0 && b <= 0) {
            return;
        }
    }
}

/* Connect the client to the server; returns the client's session (never NULL on -EINPROGRESS). */
static sock_secure_session_t *connect_client(void)
{
    sock_secure_session_t *cs = NULL;
    int rc = sock_secure_connect(&client.sock, &server_addr, &cs, 0);
    CHECK(rc == -EINPROGRESS || rc == 0);
    if (cs != NULL) {
        drive(cs);
    }
    return cs;
}

/* One record each way; the bytes must arrive intact. */
static void exchange(sock_secure_session_t *cs, sock_secure_session_t *ss)
{
    static const uint8_t up[] = { 's', 'u', 'i', 't', 'e', 0, 0xff };
    CHECK_EQ(sock_secure_session_send(cs, up, sizeof(up)), (int)sizeof(up));
    uint8_t buf[32];
    int n = -EAGAIN;
    sock_secure_session_t *from = ss;
    for (int i = 0; i < 2000 && n == -EAGAIN; i++) {
        sock_secure_process(&client.sock);
        n = sock_secure_session_recv(from, buf, sizeof(buf), 0);
        if (n == -EAGAIN && on_tcp(&server)) {
            sock_secure_transport_wait(&server.tcp.base, 1);
        }
    }
    CHECK_EQ(n, (int)sizeof(up));
    CHECK_MEM(buf, up, sizeof(up));
    CHECK_EQ(sock_secure_session_send(ss, "back", 4), 4);
    n = -EAGAIN;
    from = cs;
    for (int i = 0; i < 2000 && n == -EAGAIN; i++) {
        sock_secure_process(&server.sock);
        n = sock_secure_session_recv(from, buf, sizeof(buf), 0);
        if (n == -EAGAIN && on_tcp(&server)) {
            sock_secure_transport_wait(&client.tcp.base, 1);
        }
    }
    CHECK_EQ(n, 4);
    CHECK_MEM(buf, "back", 4);
}

/* The session reports @p e: its id, and a name that is the table's. */
static void check_reported(sock_secure_session_t *s, const tlsman_suite_t *e, bool tcp)
{
    sock_secure_session_info_t info;
    REQUIRE(sock_secure_session_info(s, &info) == 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(info.suite, e->id);
    CHECK(info.suite_name != NULL && strcmp(info.suite_name, e->iana) == 0);
    CHECK(sock_secure_suite_name(info.suite) != NULL);
    CHECK(strcmp(info.version, tcp ? "TLSv1.2" : "DTLSv1.2") == 0);
    CHECK_EQ(info.verify, 0);
}

/* ---- every table entry, both transports ---------------------------------------------------- */

static void every_table_suite_is_negotiated_and_named_or_refused(void)
{
    const tlsman_suite_t *e;
    size_t negotiated = 0, refused = 0;
    for (size_t i = 0; (e = sock_secure_suite_at(i)) != NULL; i++) {
        for (int tcp = 0; tcp < 2; tcp++) {
            bool cert = (e->flags & TLSMAN_SUITE_CERT) != 0;
            /* no certificates, raw public keys: the server's key alone, pinned by the client */
            bool x509 = cert && (drv->caps & TLSMAN_CAP_X509) != 0;
            bool rpk = cert && !x509 && (drv->caps & TLSMAN_CAP_RPK) != 0;
            const uint16_t only[] = { e->id };
            spec_t s = { .role = SOCK_SECURE_SERVER, .psk = !cert,
                         .cert = x509 ? "server.crt" : NULL, .key = cert ? "server.key" : NULL,
                         .suites = only, .suite_count = 1 };
            spec_t c = { .role = SOCK_SECURE_CLIENT, .psk = !cert, .ca = x509 ? "ca.crt" : NULL,
                         .pin = rpk ? "server.pub" : NULL,
                         .server_name = x509 ? "server.test" : NULL, .suites = only,
                         .suite_count = 1 };
            start();
            if (!sock_secure_suite_supported(drv->name, e->id, tcp == 0)) {
                CHECK_EQ(node_up(&server, tcp != 0, &s), -ENOTSUP);
                CHECK_EQ(node_up(&client, tcp != 0, &c), -ENOTSUP);
                printf("  %s %s: not in this %s build, refused at create\n", tcp ? "TLS" : "DTLS",
                       e->iana, drv->name);
                refused++;
                teardown();
                continue;
            }
            REQUIRE(node_up(&server, tcp != 0, &s) == 0);
            REQUIRE(node_up(&client, tcp != 0, &c) == 0);
            sock_secure_session_t *cs = connect_client(), *ss = NULL;
            REQUIRE(cs != NULL);
            check_reported(cs, e, tcp != 0);
            CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
            if (ss != NULL) {
                check_reported(ss, e, tcp != 0);
                exchange(cs, ss);
            }
            printf("  %s %s: negotiated\n", tcp ? "TLS" : "DTLS", e->iana);
            negotiated++;
            teardown();
        }
    }
    CHECK(negotiated >= 2); /* every driver has at least one PSK suite on each transport */
    printf("  %zu negotiated, %zu refused\n", negotiated, refused);
}

/* ---- the stack is configured with exactly the checked list ---------------------------------- */

/* Both stacks have TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, but it is not a default: a server
 * (or client) on the defaults never negotiates it with a peer that offers nothing else. */
static void a_suite_the_socket_did_not_list_is_never_negotiated(void)
{
    static const uint16_t c02c[] = { SOCK_SECURE_ECDHE_ECDSA_AES_256_GCM };
    if (!(drv->caps & TLSMAN_CAP_X509) ||
        !sock_secure_suite_supported(drv->name, SOCK_SECURE_ECDHE_ECDSA_AES_256_GCM, true)) {
        printf("  %s has no AES-256-GCM ECDHE-ECDSA suite: not run\n", drv->name);
        return;
    }
    for (int side = 0; side < 2; side++) { /* 0: the server lists it, 1: the client */
        start();
        spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "server.key",
                     .suites = side == 0 ? c02c : NULL, .suite_count = side == 0 ? 1 : 0 };
        spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .server_name = "server.test",
                     .suites = side == 1 ? c02c : NULL, .suite_count = side == 1 ? 1 : 0 };
        REQUIRE(node_up(&server, false, &s) == 0);
        REQUIRE(node_up(&client, false, &c) == 0);
        sock_secure_session_t *cs = connect_client();
        REQUIRE(cs != NULL);
        sock_secure_session_info_t info;
        REQUIRE(sock_secure_session_info(cs, &info) == 0);
        CHECK_EQ(info.state, SOCK_SECURE_ST_CLOSED);
        /* the server finds no common suite and says so */
        CHECK_EQ(info.last_error, SOCK_SECURE_E_ALERT);
        CHECK_EQ(info.alert, 40); /* handshake_failure */
        CHECK_EQ(info.alert_origin, TLSMAN_ALERT_RECEIVED);
        CHECK_EQ(server.ev.connected, 0);
        CHECK_EQ(client.ev.connected, 0);
        printf("  %s lists only AES-256-GCM: %s (alert %s)\n", side ? "client" : "server",
               sock_secure_strerror(info.last_error), sock_secure_alert_name(info.alert));
        teardown();
    }
}

/* ---- issue #11 ------------------------------------------------------------------------------ */

/* A PSK client listing TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 without a CA was accepted, and
 * mbedTLS then completed a handshake with a server certificate from an unknown CA: the server
 * was never authenticated. Now it is refused at create; with a CA the server is verified. */
static void psk_client_listing_an_ecdsa_suite_needs_a_ca_and_then_verifies(void)
{
    const uint16_t psk_first = tu_default_psk_suite(drv, true);
    const uint16_t reported[] = { SOCK_SECURE_ECDHE_ECDSA_AES_256_GCM };
    const uint16_t mixed[] = { psk_first, SOCK_SECURE_ECDHE_ECDSA_AES_256_GCM };
    bool have = sock_secure_suite_supported(drv->name, SOCK_SECURE_ECDHE_ECDSA_AES_256_GCM, true);
    for (int m = 0; m < 2; m++) {
        start();
        spec_t c = { .role = SOCK_SECURE_CLIENT, .psk = true, .suites = m ? mixed : reported,
                     .suite_count = m ? 2 : 1 };
        CHECK_EQ(node_up(&client, false, &c), have ? -EINVAL : -ENOTSUP);
        teardown();
    }
    if (!have) {
        printf("  %s lacks the suite: refused (-ENOTSUP), nothing to verify\n", drv->name);
        return;
    }
    /* with a CA: a server certificate from another CA is refused, ours is accepted */
    const char *certs[][2] = { { "other-server.crt", "other-server.key" },
                               { "server.crt", "server.key" } };
    for (int ok = 0; ok < 2; ok++) {
        start();
        spec_t s = { .role = SOCK_SECURE_SERVER, .psk = true, .cert = certs[ok][0],
                     .key = certs[ok][1], .suites = reported, .suite_count = 1 };
        spec_t c = { .role = SOCK_SECURE_CLIENT, .psk = true, .ca = "ca.crt",
                     .server_name = "server.test", .suites = mixed, .suite_count = 2 };
        REQUIRE(node_up(&server, false, &s) == 0);
        REQUIRE(node_up(&client, false, &c) == 0);
        sock_secure_session_t *cs = connect_client();
        REQUIRE(cs != NULL);
        sock_secure_session_info_t info;
        REQUIRE(sock_secure_session_info(cs, &info) == 0);
        if (ok) {
            CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
            CHECK_EQ(info.suite, SOCK_SECURE_ECDHE_ECDSA_AES_256_GCM);
            CHECK_EQ(info.verify, 0);
        } else {
            CHECK_EQ(info.state, SOCK_SECURE_ST_CLOSED);
            CHECK_EQ(info.last_error, SOCK_SECURE_E_VERIFY);
            CHECK((info.verify & SOCK_SECURE_VFY_UNKNOWN_CA) != 0);
            CHECK_EQ(server.ev.connected, 0);
        }
        teardown();
    }
}

/* ---- PSK identity hint ----------------------------------------------------------------------- */

static const char hint[] = "hint-for-dev-7";
static bool hint_seen;

static int find_hint(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to, uint8_t *data,
                     size_t *len)
{
    (void)arg;
    (void)to;
    if (sock_secure_ep_equal(from, &server_addr)) {
        for (size_t i = 0; i + sizeof(hint) - 1 <= *len; i++) {
            hint_seen = hint_seen || memcmp(data + i, hint, sizeof(hint) - 1) == 0;
        }
    }
    return SOCK_SECURE_MEM_DELIVER;
}

/* A backend with TLSMAN_CAP_PSK_HINT sends the hint in the server's flight; one without it is
 * refused at create (its driver is never given a hint), never silently ignored. */
static void psk_hint_is_sent_or_refused(void)
{
    start();
    hint_seen = false;
    tu_net.filter = find_hint;
    spec_t s = { .role = SOCK_SECURE_SERVER, .psk = true, .psk_hint = hint };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .psk = true };
    if (!(drv->caps & TLSMAN_CAP_PSK_HINT)) {
        CHECK_EQ(node_up(&server, false, &s), -ENOTSUP);
        teardown();
        printf("  %s cannot send a PSK identity hint: refused\n", drv->name);
    } else {
        REQUIRE(node_up(&server, false, &s) == 0);
        REQUIRE(node_up(&client, false, &c) == 0);
        sock_secure_session_t *cs = connect_client();
        REQUIRE(cs != NULL);
        sock_secure_session_info_t info;
        REQUIRE(sock_secure_session_info(cs, &info) == 0);
        CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
        CHECK(hint_seen);
        teardown();
    }
    /* an empty hint is no hint: fine everywhere */
    start();
    spec_t empty = { .role = SOCK_SECURE_SERVER, .psk = true, .psk_hint = "" };
    CHECK_EQ(node_up(&server, false, &empty), 0);
    teardown();
    /* a client sends no hint */
    start();
    spec_t ch = { .role = SOCK_SECURE_CLIENT, .psk = true, .psk_hint = hint };
    CHECK_EQ(node_up(&client, false, &ch), -EINVAL);
    teardown();
}

int main(int argc, char **argv)
{
    drv = tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK);
    if (tu_pki_init(argc, argv) == NULL) {
        tu_skip("no test PKI (SS_PKI_DIR): run through ctest");
    }
    RUN(every_table_suite_is_negotiated_and_named_or_refused);
    RUN(a_suite_the_socket_did_not_list_is_never_negotiated);
    RUN(psk_client_listing_an_ecdsa_suite_needs_a_ca_and_then_verifies);
    RUN(psk_hint_is_sent_or_refused);
    return tu_exit();
}
