/* Raw public keys (RFC 7250; RFC 7252 §9.1.3's certificate-free way to authenticate devices),
 * run once per built driver with TLSMAN_CAP_RPK (SS_TEST_BACKEND; a driver without it is
 * skipped: mbedTLS 2.28 and wolfSSL 5.5.4 have no RFC 7250, and test_certs checks that the core
 * refuses an RPK configuration for them). Over the in-memory net (DTLS) and TCP loopback (TLS):
 * a key without a certificate as the identity, peers pinned by their SubjectPublicKeyInfo (PEM or
 * DER), verification required by default, a wrong pinned key refused with its own VFY bit and
 * alert on either side, optional verification reporting it, the verify callback shown the peer's
 * key, and one server taking certificate and raw-key clients at once (the certificate type
 * negotiated per session).
 *
 * The keys come from the test PKI (tests/pki/make-pki.sh, fixture pki_setup; SS_PKI_DIR). */
#include <stdlib.h>
#include <sys/stat.h>

#include "secure_sock/mem.h"
#include "secure_sock/posix/creds.h"
#include "secure_sock/posix/tcp.h"
#include "secure_sock/sock_secure.h"
#include "node.h"
#include "pki.h"
#include "testutil.h"

#define SLOTS 4

#define AL_CERT_UNKNOWN  46
#define AL_ACCESS_DENIED 49

static const tlsman_driver_t *drv;

/* What one side is given. File names are relative to the PKI directory; NULL = none. */
typedef struct {
    sock_secure_role_t role;
    const char *key;     /* own private key (a raw public key identity without cert) */
    const char *cert;    /* own certificate chain (with key: X.509) */
    const char *ca;      /* trust anchors for certificate peers */
    const char *pin[2];  /* pinned peer keys */
    sock_secure_verify_t verify;
    const char *server_name;
    sock_secure_verify_cb_t verify_cb;
    void *verify_arg;
} spec_t;

static tu_node_t server, client, client2;

static int load(sock_secure_creds_t *st, const spec_t *sp)
{
    int rc = tu_creds_load(st, sp->cert, sp->key, sp->ca, false);
    for (size_t i = 0; rc == 0 && i < 2 && sp->pin[i] != NULL; i++) {
        rc = sock_secure_creds_add_file(st, TU_TAG_CA, SOCK_SECURE_CRED_PEER_KEY,
                                        tu_pki(sp->pin[i]));
        if (rc < 0) {
            fprintf(stderr, "  pinning %s: %s\n", sp->pin[i], sock_secure_strerror(rc));
        }
    }
    return rc;
}

static void node_cfg(tu_node_t *n, sock_secure_config_t *cfg, const spec_t *sp, size_t slots)
{
    tu_node_config(n, cfg, sp->role, tu_backend_name, slots);
    tu_node_use_creds(n, cfg);
    cfg->verify = sp->verify;
    cfg->server_name = sp->server_name;
    cfg->verify_cb = sp->verify_cb;
    cfg->verify_arg = sp->verify_arg;
}

/* Load the spec into the node's store, join the net at @p addr, create the secure socket. */
static int node_up(tu_node_t *n, const char *addr, const spec_t *sp)
{
    memset(&n->ev, 0, sizeof(n->ev));
    int rc = load(&n->creds, sp);
    if (rc < 0) {
        return rc;
    }
    sock_secure_config_t cfg;
    node_cfg(n, &cfg, sp, SLOTS);
    return tu_node_open_cfg(n, addr, &cfg);
}

static void node_down(tu_node_t *n)
{
    tu_node_close(n);
    sock_secure_creds_init(&n->creds); /* zeroes the store */
}

static void teardown(void)
{
    node_down(&client2);
    node_down(&client);
    node_down(&server);
}

static void pump(void)
{
    tu_node_t *const all[] = { &server, &client, &client2 };
    tu_pump(all, 3);
}

/* Handshake @p n with the server; 0 (OPEN) or the session's error. */
static int connect_node(tu_node_t *n, sock_secure_session_t **cs)
{
    sock_secure_ep_t ep = tu_ep(TU_SERVER_ADDR);
    *cs = NULL;
    int rc = sock_secure_connect(&n->sock, &ep, cs, 0);
    if (rc != -EINPROGRESS) {
        return rc;
    }
    pump();
    sock_secure_session_info_t info;
    if (sock_secure_session_info(*cs, &info) < 0) {
        return -ENOENT;
    }
    return info.state == SOCK_SECURE_ST_OPEN ? 0 : info.state == SOCK_SECURE_ST_HANDSHAKE
                                                       ? -EINPROGRESS
                                                       : info.last_error;
}

/* The server's slot in @p state (the first), or NULL. */
static sock_secure_session_t *server_slot(sock_secure_state_t state)
{
    for (size_t i = 0; i < SLOTS; i++) {
        sock_secure_session_info_t info;
        if (sock_secure_session_info(&server.slots[i], &info) == 0 && info.state == state) {
            return &server.slots[i];
        }
    }
    return NULL;
}

/* One record each way over an established pair, bytes compared. */
static void exchange_data(tu_node_t *c, sock_secure_session_t *cs)
{
    static const uint8_t up[] = { 'r', 'p', 'k', 0, 0xff, 0x80, '\n' };
    uint8_t buf[64];
    (void)c;
    CHECK_EQ(sock_secure_session_send(cs, up, sizeof(up)), (int)sizeof(up));
    pump();
    sock_secure_session_t *from = NULL;
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0), (int)sizeof(up));
    CHECK_MEM(buf, up, sizeof(up));
    REQUIRE(from != NULL);
    CHECK_EQ(sock_secure_session_send(from, "raw key reply", 13), 13);
    pump();
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), 0), 13);
    CHECK_MEM(buf, "raw key reply", 13);
}

/* Both ends open with nothing found by either verification. */
static void expect_open(int rc, sock_secure_session_t *cs)
{
    CHECK_EQ(rc, 0);
    sock_secure_session_info_t info;
    REQUIRE(cs != NULL && sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(info.verify, 0u);
    CHECK(info.suite == SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8 ||
          info.suite == SOCK_SECURE_ECDHE_ECDSA_AES_128_GCM);
    sock_secure_session_t *ss = server_slot(SOCK_SECURE_ST_OPEN);
    REQUIRE(ss != NULL && sock_secure_session_info(ss, &info) == 0);
    CHECK_EQ(info.verify, 0u);
}

/* ---- handshakes that succeed ------------------------------------------------------------------ */

/* The server's identity is its key alone; the client pins it (PEM, then DER) and needs no CA. */
static void server_key_pinned_by_the_client(void)
{
    static const char *const pins[] = { "server.pub", "server.pub.der" };
    for (size_t i = 0; i < 2; i++) {
        tu_net_start();
        spec_t s = { .role = SOCK_SECURE_SERVER, .key = "server.key" };
        spec_t c = { .role = SOCK_SECURE_CLIENT, .pin = { pins[i] } };
        REQUIRE(node_up(&server, TU_SERVER_ADDR, &s) == 0);
        REQUIRE(node_up(&client, TU_CLIENT_ADDR, &c) == 0);
        sock_secure_session_t *cs;
        int rc = connect_node(&client, &cs);
        expect_open(rc, cs);
        if (rc == 0) {
            exchange_data(&client, cs);
        }
        teardown();
    }
}

/* Both ends raw keys, each pinning the other's. */
static void mutual_raw_public_keys(void)
{
    tu_net_start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .key = "server.p8.key", .pin = { "client.pub" } };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .key = "client.key",
                 .pin = { "mismatch.pub", "server.pub" } };
    REQUIRE(node_up(&server, TU_SERVER_ADDR, &s) == 0);
    REQUIRE(node_up(&client, TU_CLIENT_ADDR, &c) == 0);
    sock_secure_session_t *cs;
    int rc = connect_node(&client, &cs);
    expect_open(rc, cs);
    CHECK_EQ(server.ev.connected, 1);
    if (rc == 0) {
        exchange_data(&client, cs);
    }
    teardown();
}

/* ---- a key that is not pinned ----------------------------------------------------------------- */

/* The client refuses a server key it has not pinned: E_VERIFY, NOT_PINNED, its alert sent and
 * received by the server. */
static void client_refuses_an_unpinned_server_key(void)
{
    tu_net_start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .key = "server.key" };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .pin = { "mismatch.pub" } };
    REQUIRE(node_up(&server, TU_SERVER_ADDR, &s) == 0);
    REQUIRE(node_up(&client, TU_CLIENT_ADDR, &c) == 0);
    sock_secure_session_t *cs;
    CHECK_EQ(connect_node(&client, &cs), SOCK_SECURE_E_VERIFY);
    sock_secure_session_info_t info;
    REQUIRE(cs != NULL && sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.verify, SOCK_SECURE_VFY_NOT_PINNED);
    CHECK(strcmp(sock_secure_verify_reason(info.verify), "public key not in the trust list") == 0);
    CHECK_EQ(info.alert, AL_CERT_UNKNOWN);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_SENT);
    CHECK_EQ(server.ev.error, 1);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_ALERT);
    sock_secure_session_t *ss = server_slot(SOCK_SECURE_ST_CLOSED);
    REQUIRE(ss != NULL && sock_secure_session_info(ss, &info) == 0);
    CHECK_EQ(info.alert, AL_CERT_UNKNOWN);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_RECEIVED);
    teardown();
}

/* The server refuses a client key it has not pinned (required by default: it has pinned keys);
 * with optional verification the client gets in and the server reports it. */
static void server_refuses_an_unpinned_client_key_unless_optional(void)
{
    tu_net_start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .key = "server.key", .pin = { "mismatch.pub" } };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .key = "client.key", .pin = { "server.pub" } };
    REQUIRE(node_up(&server, TU_SERVER_ADDR, &s) == 0);
    REQUIRE(node_up(&client, TU_CLIENT_ADDR, &c) == 0);
    sock_secure_session_t *cs;
    CHECK_EQ(connect_node(&client, &cs), SOCK_SECURE_E_ALERT);
    sock_secure_session_info_t info;
    REQUIRE(cs != NULL && sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.alert, AL_CERT_UNKNOWN);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_VERIFY);
    sock_secure_session_t *ss = server_slot(SOCK_SECURE_ST_CLOSED);
    REQUIRE(ss != NULL && sock_secure_session_info(ss, &info) == 0);
    CHECK_EQ(info.last_error, SOCK_SECURE_E_VERIFY);
    CHECK_EQ(info.verify, SOCK_SECURE_VFY_NOT_PINNED);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_SENT);
    teardown();

    tu_net_start();
    s.verify = SOCK_SECURE_VERIFY_OPTIONAL;
    REQUIRE(node_up(&server, TU_SERVER_ADDR, &s) == 0);
    REQUIRE(node_up(&client, TU_CLIENT_ADDR, &c) == 0);
    CHECK_EQ(connect_node(&client, &cs), 0);
    ss = server_slot(SOCK_SECURE_ST_OPEN);
    REQUIRE(ss != NULL && sock_secure_session_info(ss, &info) == 0);
    CHECK_EQ(info.verify, SOCK_SECURE_VFY_NOT_PINNED);
    teardown();
}

/* ---- the application's verify callback -------------------------------------------------------- */

typedef struct {
    int calls;
    int depth;
    uint32_t flags;    /* as shown */
    bool key_matches;  /* der is server.pub.der */
    uint32_t add;
    uint8_t spki[256];
    size_t spki_len;
} vcb_t;

static int verify_cb(void *arg, const uint8_t *der, size_t der_len, int depth, uint32_t *flags)
{
    vcb_t *v = arg;
    v->calls++;
    v->depth = depth;
    v->flags = *flags;
    v->key_matches = der_len == v->spki_len && memcmp(der, v->spki, der_len) == 0;
    *flags |= v->add;
    return 0;
}

static void verify_callback_sees_the_peer_key_and_can_reject(void)
{
    static vcb_t v;
    static const struct {
        const char *pin;
        uint32_t add;
    } cases[] = {
        { "server.pub", 0 },                    /* pinned: shown clean */
        { "mismatch.pub", 0 },                  /* not pinned: shown with the bit */
        { "server.pub", SOCK_SECURE_VFY_OTHER }, /* pinned, but the application says no */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tu_net_start();
        memset(&v, 0, sizeof(v));
        v.spki_len = tu_pki_read("server.pub.der", v.spki, sizeof(v.spki));
        REQUIRE(v.spki_len > 0);
        v.add = cases[i].add;
        spec_t s = { .role = SOCK_SECURE_SERVER, .key = "server.key" };
        spec_t c = { .role = SOCK_SECURE_CLIENT, .pin = { cases[i].pin },
                     .verify_cb = verify_cb, .verify_arg = &v };
        REQUIRE(node_up(&server, TU_SERVER_ADDR, &s) == 0);
        REQUIRE(node_up(&client, TU_CLIENT_ADDR, &c) == 0);
        sock_secure_session_t *cs;
        int rc = connect_node(&client, &cs);
        CHECK_EQ(v.calls, 1); /* one raw key, no chain */
        CHECK_EQ(v.depth, 0);
        CHECK(v.key_matches);
        sock_secure_session_info_t info;
        REQUIRE(cs != NULL && sock_secure_session_info(cs, &info) == 0);
        if (i == 0) {
            CHECK_EQ(rc, 0);
            CHECK_EQ(v.flags, 0u);
        } else if (i == 1) {
            CHECK_EQ(rc, SOCK_SECURE_E_VERIFY);
            CHECK_EQ(v.flags, SOCK_SECURE_VFY_NOT_PINNED);
            CHECK_EQ(info.alert, AL_CERT_UNKNOWN);
        } else {
            CHECK_EQ(rc, SOCK_SECURE_E_VERIFY);
            CHECK_EQ(info.verify, SOCK_SECURE_VFY_OTHER | SOCK_SECURE_VFY_APP);
            CHECK_EQ(info.alert, AL_ACCESS_DENIED);
            CHECK_EQ(info.alert_origin, TLSMAN_ALERT_SENT);
        }
        teardown();
    }
}

/* ---- certificates and raw keys on one server -------------------------------------------------- */

/* The server has a certificate (offered as such, and its key as a raw key), a CA for certificate
 * clients and a pinned key for raw-key clients; each client type is negotiated per session. */
static void one_server_takes_certificate_and_raw_key_clients(void)
{
    if ((drv->caps & TLSMAN_CAP_X509) == 0) { /* tinyDTLS: raw keys only */
        printf("  %s has no certificates: case not run\n", drv->name);
        return;
    }
    tu_net_start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "server.key",
                 .ca = "ca.crt", .pin = { "client.pub" } };
    spec_t c_x509 = { .role = SOCK_SECURE_CLIENT, .cert = "client.crt", .key = "client.key",
                      .ca = "ca.crt", .server_name = "server.test" };
    spec_t c_raw = { .role = SOCK_SECURE_CLIENT, .key = "client.p8.key", .pin = { "server.pub" } };
    REQUIRE(node_up(&server, TU_SERVER_ADDR, &s) == 0);
    REQUIRE(node_up(&client, TU_CLIENT_ADDR, &c_x509) == 0);
    REQUIRE(node_up(&client2, "[fd00::3]:40000", &c_raw) == 0);
    sock_secure_ep_t ep = tu_ep(TU_SERVER_ADDR);
    sock_secure_session_t *a = NULL, *b = NULL;
    CHECK_EQ(sock_secure_connect(&client.sock, &ep, &a, 0), -EINPROGRESS);
    CHECK_EQ(sock_secure_connect(&client2.sock, &ep, &b, 0), -EINPROGRESS);
    pump(); /* both handshakes in flight at once */
    sock_secure_session_info_t ia, ib;
    REQUIRE(sock_secure_session_info(a, &ia) == 0 && sock_secure_session_info(b, &ib) == 0);
    CHECK_EQ(ia.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(ib.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(ia.verify, 0u);
    CHECK_EQ(ib.verify, 0u);
    CHECK_EQ(server.ev.connected, 2);
    for (size_t i = 0; i < SLOTS; i++) {
        sock_secure_session_info_t info;
        if (sock_secure_session_info(&server.slots[i], &info) == 0 &&
            info.state == SOCK_SECURE_ST_OPEN) {
            CHECK_EQ(info.verify, 0u);
        }
    }
    CHECK_EQ(sock_secure_session_send(a, "by cert", 7), 7);
    CHECK_EQ(sock_secure_session_send(b, "by key", 6), 6);
    pump();
    uint8_t buf[32];
    int got = 0;
    for (int i = 0; i < 2; i++) {
        sock_secure_session_t *from = NULL;
        int n = sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0);
        got += (n == 7 && memcmp(buf, "by cert", 7) == 0) || (n == 6 && memcmp(buf, "by key", 6) == 0);
    }
    CHECK_EQ(got, 2);
    teardown();

    /* the same server refuses a raw-key client whose key it has not pinned */
    tu_net_start();
    s.pin[0] = "mismatch.pub";
    REQUIRE(node_up(&server, TU_SERVER_ADDR, &s) == 0);
    REQUIRE(node_up(&client2, "[fd00::3]:40000", &c_raw) == 0);
    CHECK_EQ(connect_node(&client2, &b), SOCK_SECURE_E_ALERT);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_VERIFY);
    teardown();
}

/* A client that only trusts certificates does not take a server that has only a raw key (and
 * the other way round): no common certificate type, the handshake fails on both sides. */
static void certificate_and_raw_key_only_ends_do_not_meet(void)
{
    tu_net_start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .key = "server.key" };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .server_name = "server.test" };
    REQUIRE(node_up(&server, TU_SERVER_ADDR, &s) == 0);
    if ((drv->caps & TLSMAN_CAP_X509) == 0) { /* a certificate client cannot even be made */
        CHECK_EQ(node_up(&client, TU_CLIENT_ADDR, &c), -ENOTSUP);
        teardown();
        return;
    }
    REQUIRE(node_up(&client, TU_CLIENT_ADDR, &c) == 0);
    sock_secure_session_t *cs;
    int rc = connect_node(&client, &cs);
    CHECK(rc == SOCK_SECURE_E_ALERT || rc == SOCK_SECURE_E_HANDSHAKE);
    CHECK_EQ(client.ev.connected + server.ev.connected, 0);
    teardown();
}

/* ---- configurations refused at create --------------------------------------------------------- */

static void incomplete_raw_key_configurations_are_refused(void)
{
    /* a client with its key but nothing to check the server with */
    tu_net_start();
    spec_t c = { .role = SOCK_SECURE_CLIENT, .key = "client.key" };
    CHECK_EQ(node_up(&client, TU_CLIENT_ADDR, &c), -EINVAL);
    teardown();
    /* a server asked to verify clients, with neither CA nor pinned key */
    tu_net_start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .key = "server.key",
                 .verify = SOCK_SECURE_VERIFY_REQUIRED };
    CHECK_EQ(node_up(&server, TU_SERVER_ADDR, &s), -EINVAL);
    teardown();
    /* a pinned key that is no public key, or not on P-256 */
    sock_secure_creds_t st;
    CHECK_EQ(sock_secure_creds_init(&st), 0);
    CHECK_EQ(sock_secure_creds_add_file(&st, 1, SOCK_SECURE_CRED_PEER_KEY, tu_pki("server.key")),
             SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(sock_secure_creds_add_file(&st, 1, SOCK_SECURE_CRED_PEER_KEY, tu_pki("ca.crt")),
             SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(drv->cred_check(SOCK_SECURE_CRED_PEER_KEY, (const uint8_t *)"junk", 4),
             SOCK_SECURE_E_CRED_FORMAT);
}

/* ---- a socket of both roles (SOCK_SECURE_CLIENT_SERVER, what gcoap's one DTLS sock is) ---------- */

#define OTHER_ADDR "[fd00::3]:5684" /* a server the client-server connects to */

/* Connect the client-server (server) to the server @p n at OTHER_ADDR; 0 (OPEN) or the error. */
static int connect_out(sock_secure_session_t **out)
{
    sock_secure_ep_t ep = tu_ep(OTHER_ADDR);
    *out = NULL;
    int rc = sock_secure_connect(&server.sock, &ep, out, 0);
    if (rc != -EINPROGRESS) {
        return rc;
    }
    pump();
    sock_secure_session_info_t info;
    if (sock_secure_session_info(*out, &info) < 0) {
        return -ENOENT;
    }
    return info.state == SOCK_SECURE_ST_OPEN ? 0 : info.last_error;
}

/* With pinned keys both roles verify: its server session asks the client for its key and checks
 * it, its client session checks the other server's key; a key pinned by nobody fails either. */
static void client_server_pins_the_keys_of_both_roles(void)
{
    tu_net_start();
    spec_t b = { .role = SOCK_SECURE_CLIENT_SERVER, .key = "server.key", .pin = { "client.pub" } };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .key = "client.key", .pin = { "server.pub" } };
    spec_t o = { .role = SOCK_SECURE_SERVER, .key = "client.key", .pin = { "server.pub" } };
    REQUIRE(node_up(&server, TU_SERVER_ADDR, &b) == 0);
    REQUIRE(node_up(&client, TU_CLIENT_ADDR, &c) == 0);
    REQUIRE(node_up(&client2, OTHER_ADDR, &o) == 0);
    sock_secure_session_t *cs;
    int rc = connect_node(&client, &cs); /* client -> its server session */
    expect_open(rc, cs);
    if (rc == 0) {
        exchange_data(&client, cs);
    }
    sock_secure_session_t *out;
    CHECK_EQ(connect_out(&out), 0); /* its client session -> the other server */
    sock_secure_session_info_t info;
    REQUIRE(out != NULL && sock_secure_session_info(out, &info) == 0);
    CHECK_EQ(info.verify, 0u);
    CHECK_EQ(info.suite, SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8);
    CHECK_EQ(sock_secure_session_send(out, "to the other", 12), 12);
    pump();
    uint8_t buf[16];
    sock_secure_session_t *from = NULL;
    CHECK_EQ(sock_secure_recv_any(&client2.sock, &from, buf, sizeof(buf), 0), 12);
    CHECK_MEM(buf, "to the other", 12);
    CHECK_EQ(client2.ev.connected, 1);
    teardown();

    /* the other server's key is not pinned: the client session refuses it */
    tu_net_start();
    spec_t u = { .role = SOCK_SECURE_SERVER, .key = "mismatch.key" };
    REQUIRE(node_up(&server, TU_SERVER_ADDR, &b) == 0);
    REQUIRE(node_up(&client2, OTHER_ADDR, &u) == 0);
    CHECK(connect_out(&out) < 0);
    REQUIRE(out != NULL && sock_secure_session_info(out, &info) == 0);
    CHECK(info.verify & SOCK_SECURE_VFY_NOT_PINNED);
    teardown();

    /* a client without a key is refused by its server session (verification required) */
    tu_net_start();
    spec_t k = { .role = SOCK_SECURE_CLIENT, .pin = { "server.pub" } };
    REQUIRE(node_up(&server, TU_SERVER_ADDR, &b) == 0);
    REQUIRE(node_up(&client, TU_CLIENT_ADDR, &k) == 0);
    CHECK(connect_node(&client, &cs) < 0);
    CHECK_EQ(server.ev.connected, 0);
    teardown();
}

/* Without pinned keys neither role verifies: its server sessions ask no client for a key (a
 * client without one gets in), its client sessions take any server key. PSKs still work next to
 * the key on the same socket. */
static void client_server_with_a_key_and_no_pins_verifies_nobody(void)
{
    tu_net_start();
    spec_t b = { .role = SOCK_SECURE_CLIENT_SERVER, .key = "server.key" };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .pin = { "server.pub" } };
    spec_t o = { .role = SOCK_SECURE_SERVER, .key = "mismatch.key" };
    REQUIRE(node_up(&server, TU_SERVER_ADDR, &b) == 0);
    REQUIRE(node_up(&client, TU_CLIENT_ADDR, &c) == 0);
    REQUIRE(node_up(&client2, OTHER_ADDR, &o) == 0);
    sock_secure_session_t *cs;
    int rc = connect_node(&client, &cs);
    expect_open(rc, cs);
    if (rc == 0) {
        exchange_data(&client, cs);
    }
    sock_secure_session_t *out;
    CHECK_EQ(connect_out(&out), 0);
    sock_secure_session_info_t info;
    REQUIRE(out != NULL && sock_secure_session_info(out, &info) == 0);
    CHECK_EQ(info.verify, 0u); /* not verified, so nothing found */
    teardown();
}

/* What a socket of both roles cannot do with keys is refused at create; a driver without both
 * roles refuses the role. */
static void client_server_refusals(void)
{
    static const struct {
        spec_t sp;
        int rc;
    } cases[] = {
        /* certificates have a meaning per role (names) */
        { { .role = SOCK_SECURE_CLIENT_SERVER, .key = "server.key", .cert = "server.crt" },
          -ENOTSUP },
        { { .role = SOCK_SECURE_CLIENT_SERVER, .key = "server.key", .ca = "ca.crt" }, -ENOTSUP },
        /* pinned keys without a key of its own */
        { { .role = SOCK_SECURE_CLIENT_SERVER, .pin = { "client.pub" } }, -EINVAL },
        /* verification without pinned keys */
        { { .role = SOCK_SECURE_CLIENT_SERVER, .key = "server.key",
            .verify = SOCK_SECURE_VERIFY_REQUIRED },
          -EINVAL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        tu_net_start();
        CHECK_EQ(node_up(&server, TU_SERVER_ADDR, &cases[i].sp), cases[i].rc);
        teardown();
    }
}

/* ---- TLS over TCP ------------------------------------------------------------------------------ */

static tu_node_t tserver, tclient;

static void raw_public_keys_over_tls_on_tcp_loopback(void)
{
    if ((drv->caps & TLSMAN_CAP_TLS) == 0) {
        printf("  %s: no TLS over streams\n", drv->name);
        return;
    }
    spec_t s = { .role = SOCK_SECURE_SERVER, .key = "server.key", .pin = { "client.pub" } };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .key = "client.key", .pin = { "server.pub" } };
    sock_secure_ep_t srv;
    sock_secure_config_t cfg;
    REQUIRE(load(&tserver.creds, &s) == 0 && load(&tclient.creds, &c) == 0);
    REQUIRE(tu_node_listen_tcp(&tserver, "127.0.0.1:0", 2, &srv) == 0);
    node_cfg(&tserver, &cfg, &s, 2);
    REQUIRE(tu_node_create(&tserver, &cfg) == 0);
    REQUIRE(tu_node_open_tcp(&tclient, 2) == 0);
    node_cfg(&tclient, &cfg, &c, 2);
    REQUIRE(tu_node_create(&tclient, &cfg) == 0);
    srv = tu_reachable(tserver.transport, "127.0.0.1");
    sock_secure_session_t *cs = NULL;
    CHECK_EQ(sock_secure_connect(&tclient.sock, &srv, &cs, 0), -EINPROGRESS);
    sock_secure_session_info_t info = { 0 };
    for (int i = 0; i < 5000 && cs != NULL; i++) {
        sock_secure_process(&tserver.sock);
        sock_secure_process(&tclient.sock);
        if (sock_secure_session_info(cs, &info) == 0 && info.state != SOCK_SECURE_ST_HANDSHAKE) {
            break;
        }
        sock_secure_transport_wait(tclient.transport, 1);
    }
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(info.verify, 0u);
    CHECK(info.version != NULL && strcmp(info.version, "TLSv1.2") == 0);
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&tserver.sock, &ss, 2000), 0);
    CHECK_EQ(sock_secure_session_send(cs, "over tcp", 8), 8);
    uint8_t buf[16];
    sock_secure_session_t *from = NULL;
    CHECK_EQ(sock_secure_recv_any(&tserver.sock, &from, buf, sizeof(buf), 2000), 8);
    CHECK_MEM(buf, "over tcp", 8);
    node_down(&tclient);
    node_down(&tserver);
}

int main(int argc, char **argv)
{
    struct stat st;
    if (tu_pki_init(argc, argv) == NULL || stat(tu_pki("server.pub.der"), &st) != 0) {
        tu_skip("no test PKI (run tests/pki/make-pki.sh DIR; pass DIR as argv[1] or SS_PKI_DIR)");
    }
    drv = tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_RPK); /* skips (77) without raw public keys */
    RUN(server_key_pinned_by_the_client);
    RUN(mutual_raw_public_keys);
    RUN(client_refuses_an_unpinned_server_key);
    RUN(server_refuses_an_unpinned_client_key_unless_optional);
    RUN(verify_callback_sees_the_peer_key_and_can_reject);
    RUN(one_server_takes_certificate_and_raw_key_clients);
    RUN(certificate_and_raw_key_only_ends_do_not_meet);
    RUN(incomplete_raw_key_configurations_are_refused);
    RUN(raw_public_keys_over_tls_on_tcp_loopback);
    if ((drv->caps & TLSMAN_CAP_CLIENT_SERVER) && CONFIG_SOCK_SECURE_CLIENT_SERVER) {
        RUN(client_server_pins_the_keys_of_both_roles);
        RUN(client_server_with_a_key_and_no_pins_verifies_nobody);
        RUN(client_server_refusals);
    } else {
        tu_net_start();
        spec_t b = { .role = SOCK_SECURE_CLIENT_SERVER, .key = "server.key" };
        CHECK_EQ(node_up(&server, TU_SERVER_ADDR, &b), -ENOTSUP);
        teardown();
    }
    return tu_exit();
}
