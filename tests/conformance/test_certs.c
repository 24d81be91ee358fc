/* Certificates and the ECDHE-ECDSA suites, run once per built driver with TLSMAN_CAP_X509
 * (SS_TEST_BACKEND, see tu_backend()), over the in-memory net (and one UDP loopback case):
 * server-only and mutual authentication, each verification failure with its own error, VFY bit
 * and alert, the credential checks of the store and of the driver's own cred_check, verify
 * callbacks, a server serving PSK and certificate clients at once, what a driver without
 * TLSMAN_CAP_RPK refuses (raw public keys), and the identity check of a client that names no
 * server (its address against the iPAddress subjectAltNames; "" opts out), over the memory net
 * and real UDP (DTLS) and TCP (TLS) loopback. Where two stacks legitimately differ (an alert
 * description, which certificates a verify callback is shown) the expectation branches on the
 * backend's name, with the reason.
 *
 * The PKI is generated at test time by tests/pki/make-pki.sh (ctest fixture pki_setup): its
 * directory comes as argv[1] or in SS_PKI_DIR. Without it the test is skipped. */
#include <stdlib.h>
#include <sys/stat.h>

#include "secure_sock/mem.h"
#include "secure_sock/posix/creds.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/posix/tcp.h"
#include "secure_sock/posix/udp.h"
#include "node.h"
#include "pki.h"
#include "testutil.h"

#if defined(SS_HAVE_MBEDTLS)
#include <mbedtls/ssl.h> /* MBEDTLS_SSL_OUT_CONTENT_LEN of the build (the device profile: 1 KB) */
#endif

#define SLOTS 4

/* RFC 5246 §7.2 alerts checked below */
#define AL_HANDSHAKE_FAILURE 40
#define AL_BAD_CERTIFICATE   42
#define AL_CERT_EXPIRED      45
#define AL_CERT_UNKNOWN      46
#define AL_UNKNOWN_CA        48
#define AL_ACCESS_DENIED     49

static const tlsman_driver_t *drv; /* the backend under test */

/* wolfSSL 5.5.4 (its DoCertFatalAlert) sends certificate_expired for a certificate that is not
 * valid yet too, and bad_certificate when the verify callback refuses one; mbedTLS sends
 * certificate_unknown and access_denied there. */
static bool is_wolfssl(void)
{
    return strcmp(tu_backend_name, "wolfssl") == 0;
}

/* What one side is given. File names are relative to the PKI directory; NULL = none. */
typedef struct {
    sock_secure_role_t role;
    const char *cert;
    const char *key;
    const char *ca;
    bool psk;                         /* add the test PSK to the identity tag too */
    sock_secure_verify_t verify;
    const char *server_name;
    const uint16_t *suites;
    size_t suite_count;
    sock_secure_verify_cb_t verify_cb;
    void *verify_arg;
} spec_t;

static tu_node_t server, client, client2;
static const sock_secure_ep_t *server_ep(void)
{
    static sock_secure_ep_t ep;
    ep = tu_ep("[fd00::1]:5684");
    return &ep;
}

/* Load the spec's files into the node's store, join the net at @p addr and create the secure
 * socket. Returns sock_secure_create()'s result (or a credential loading error). */
static int node_up(tu_node_t *n, const char *addr, const spec_t *sp)
{
    memset(&n->ev, 0, sizeof(n->ev));
    int rc = tu_creds_load(&n->creds, sp->cert, sp->key, sp->ca, sp->psk);
    if (rc < 0) {
        return rc;
    }
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, sp->role, tu_backend_name, SLOTS);
    tu_node_use_creds(n, &cfg);
    cfg.verify = sp->verify;
    cfg.server_name = sp->server_name;
    cfg.suites = sp->suites;
    cfg.suite_count = sp->suite_count;
    cfg.verify_cb = sp->verify_cb;
    cfg.verify_arg = sp->verify_arg;
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

static void start(void)
{
    tu_net_start();
}

/* Run every node until nothing moves. */
static void pump(void)
{
    tu_node_t *const all[] = { &server, &client, &client2 };
    tu_pump(all, 3);
}

/* Handshake @p n with the server, checking @p name; returns 0 (OPEN) or the session's error. */
static int connect_node(tu_node_t *n, const char *name, sock_secure_session_t **cs)
{
    *cs = NULL;
    int rc = sock_secure_connect_to(&n->sock, server_ep(), name, cs, 0);
    if (rc != -EINPROGRESS) {
        return rc;
    }
    pump();
    sock_secure_session_info_t info;
    if (sock_secure_session_info(*cs, &info) < 0) {
        return -ENOENT;
    }
    if (info.state == SOCK_SECURE_ST_HANDSHAKE) {
        return -EINPROGRESS;
    }
    return info.state == SOCK_SECURE_ST_OPEN ? 0 : info.last_error;
}

/* The server's slot that ended (failed handshake), or NULL. */
static sock_secure_session_t *server_closed_slot(void)
{
    for (size_t i = 0; i < SLOTS; i++) {
        sock_secure_session_info_t info;
        if (sock_secure_session_info(&server.slots[i], &info) == 0 &&
            info.state == SOCK_SECURE_ST_CLOSED) {
            return &server.slots[i];
        }
    }
    return NULL;
}

/* Echo one record each way over an established pair and compare the bytes. */
static void exchange_data(tu_node_t *c, sock_secure_session_t *cs)
{
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
    REQUIRE(ss != NULL);
    static const uint8_t up[] = { 'c', 'e', 'r', 't', 0, 1, 0xff, 0x80, '\n' };
    CHECK_EQ(sock_secure_session_send(cs, up, sizeof(up)), (int)sizeof(up));
    pump();
    uint8_t buf[64];
    sock_secure_session_t *from = NULL;
    CHECK_EQ(sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0), (int)sizeof(up));
    CHECK(from == ss);
    CHECK_MEM(buf, up, sizeof(up));
    CHECK_EQ(sock_secure_session_send(ss, "ecdsa reply", 11), 11);
    pump();
    CHECK_EQ(sock_secure_session_recv(cs, buf, sizeof(buf), 0), 11);
    CHECK_MEM(buf, "ecdsa reply", 11);
    CHECK_EQ(sock_secure_recv_any(&c->sock, NULL, buf, sizeof(buf), 0), -EAGAIN); /* no more */
}

/* ---- handshakes that succeed --------------------------------------------------------------- */

static const uint16_t ccm8[] = { SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8 };
static const uint16_t gcm[] = { SOCK_SECURE_ECDHE_ECDSA_AES_128_GCM };

static void server_only_auth_with_ccm8_and_gcm(void)
{
    const uint16_t *lists[] = { ccm8, gcm };
    for (size_t i = 0; i < 2; i++) {
        if (!sock_secure_suite_supported(drv->name, lists[i][0], true)) {
            printf("  %s: not in this %s build\n", sock_secure_suite_name(lists[i][0]),
                   drv->name); /* the device profile without SS_DEVICE_GCM */
            continue;
        }
        start();
        spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "server.key" };
        spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .server_name = "server.test",
                     .suites = lists[i], .suite_count = 1 };
        REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
        REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
        sock_secure_session_t *cs;
        CHECK_EQ(connect_node(&client, NULL, &cs), 0);
        sock_secure_session_info_t info;
        REQUIRE(sock_secure_session_info(cs, &info) == 0);
        CHECK_EQ(info.suite, lists[i][0]);
        CHECK_EQ(info.verify, 0);
        CHECK(strcmp(info.version, "DTLSv1.2") == 0);
        exchange_data(&client, cs);
        teardown();
    }
}

static void mutual_auth_with_ccm8_and_gcm(void)
{
    const uint16_t *lists[] = { ccm8, gcm };
    for (size_t i = 0; i < 2; i++) {
        if (!sock_secure_suite_supported(drv->name, lists[i][0], true)) {
            printf("  %s: not in this %s build\n", sock_secure_suite_name(lists[i][0]),
                   drv->name); /* the device profile without SS_DEVICE_GCM */
            continue;
        }
        start();
        /* a server with a CA verifies clients by default (required) */
        spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "server.key",
                     .ca = "ca.crt", .suites = lists[i], .suite_count = 1 };
        spec_t c = { .role = SOCK_SECURE_CLIENT, .cert = "client.crt", .key = "client.p8.key",
                     .ca = "ca.crt", .server_name = "server.test" };
        REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
        REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
        sock_secure_session_t *cs;
        CHECK_EQ(connect_node(&client, NULL, &cs), 0);
        sock_secure_session_info_t info;
        REQUIRE(sock_secure_session_info(cs, &info) == 0);
        CHECK_EQ(info.suite, lists[i][0]);
        CHECK_EQ(info.verify, 0);
        CHECK_EQ(server.ev.connected, 1);
        /* each side names the other's certificate subject (as its stack formats a DN: the
         * CN and the O are in it whatever the order), if the backend can (a build that keeps no
         * peer certificate has no peer_subject op and says so in its caps); no PSK identity */
        bool subject = drv->peer_subject != NULL;
        sock_secure_backend_info_t be;
        REQUIRE(sock_secure_backend_info(tu_backend_name, &be) == 0);
        CHECK_EQ(!!(be.caps & SOCK_SECURE_CAP_PEER_SUBJECT), subject);
        CHECK(subject ? strstr(info.peer_subject, "CN=server.test") != NULL
                      : info.peer_subject[0] == '\0');
        CHECK(!subject || strstr(info.peer_subject, "O=secure_sock tests") != NULL);
        CHECK_EQ(info.psk_identity_len, 0);
        size_t open = 0;
        for (size_t k = 0; k < SLOTS; k++) {
            sock_secure_session_info_t si;
            if (sock_secure_session_info(&server.slots[k], &si) == 0 &&
                si.state == SOCK_SECURE_ST_OPEN) {
                open++;
                CHECK(subject ? strstr(si.peer_subject, "CN=client.test") != NULL
                              : si.peer_subject[0] == '\0');
                CHECK(!subject || strstr(si.peer_subject, "O=secure_sock tests") != NULL);
                CHECK_EQ(si.psk_identity_len, 0);
            }
        }
        CHECK_EQ(open, 1);
        exchange_data(&client, cs);
        teardown();
    }
}

#if defined(SS_HAVE_MBEDTLS)
/* The bytes of the DER certificates in a PEM file, and how many there are (base64 decoded
 * length of each block). */
static size_t pem_der_bytes(const char *name, size_t *count)
{
    static uint8_t text[8192];
    size_t n = tu_pki_read(name, text, sizeof(text) - 1), total = 0, chars = 0, pad = 0;
    text[n] = 0;
    *count = 0;
    bool in = false;
    for (char *line = strtok((char *)text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (strncmp(line, "-----BEGIN", 10) == 0) {
            in = true;
            chars = pad = 0;
        } else if (strncmp(line, "-----END", 8) == 0) {
            in = false;
            total += chars / 4 * 3 - pad;
            (*count)++;
        } else if (in) {
            for (const char *p = line; *p != 0; p++) {
                chars += *p != '\r';
                pad += *p == '=';
            }
        }
    }
    return total;
}
#endif

/* DER credentials (SEC1 and PKCS#8 keys, a DER certificate) and a 2-certificate chain. A server's
 * chain must fit mbedTLS's Certificate message (its output buffer: MBEDTLS_SSL_OUT_CONTENT_LEN,
 * 1 KB in the device profile): a chain that does not is refused at create with -EMSGSIZE. */
static void der_credentials_and_an_intermediate_chain_work(void)
{
    static const struct {
        const char *cert, *key;
    } ids[] = {
        { "server.crt.der", "server.key.der" },
        { "server.crt", "server.p8.der" },
        { "server.crt", "server.p8.key" },
        { "chain-server.crt", "chain-server.key" },
    };
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        start();
        spec_t s = { .role = SOCK_SECURE_SERVER, .cert = ids[i].cert, .key = ids[i].key };
        spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .server_name = "server.test" };
#if defined(SS_HAVE_MBEDTLS)
        size_t certs, der = pem_der_bytes(ids[i].cert, &certs);
        size_t need = 7 + 8 + 3 * certs + der; /* headers, DTLS's 8 more, 3 per certificate */
        if (strcmp(drv->name, "mbedtls") == 0 && strstr(ids[i].cert, ".der") == NULL &&
            need > MBEDTLS_SSL_OUT_CONTENT_LEN) {
            CHECK_EQ(node_up(&server, "[fd00::1]:5684", &s), -EMSGSIZE);
            printf("  %s: a %zu-byte Certificate message exceeds this mbedTLS build's %d-byte "
                   "records: refused at create\n", ids[i].cert, need,
                   (int)MBEDTLS_SSL_OUT_CONTENT_LEN);
            teardown();
            continue;
        }
#endif
        REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
        REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
        sock_secure_session_t *cs;
        int rc = connect_node(&client, NULL, &cs);
        CHECK_EQ(rc, 0);
        if (rc != 0) {
            fprintf(stderr, "  with %s + %s\n", ids[i].cert, ids[i].key);
        }
        teardown();
    }
}

/* ---- verification failures ----------------------------------------------------------------- */

/* The client refuses the server: E_VERIFY with @p vfy and alert @p alert sent; the server sees
 * the alert (E_ALERT). */
static void expect_client_refuses(int rc, sock_secure_session_t *cs, uint32_t vfy, uint8_t alert)
{
    CHECK_EQ(rc, SOCK_SECURE_E_VERIFY);
    sock_secure_session_info_t info;
    REQUIRE(cs != NULL && sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_CLOSED);
    CHECK((info.verify & vfy) == vfy);
    if ((info.verify & vfy) != vfy) {
        fprintf(stderr, "  verify 0x%x, expected 0x%x\n", (unsigned)info.verify, (unsigned)vfy);
    }
    CHECK_EQ(info.alert, alert);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_SENT);
    CHECK(strcmp(sock_secure_verify_reason(info.verify), sock_secure_verify_reason(vfy)) == 0);
    CHECK_EQ(server.ev.error, 1);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_ALERT);
    sock_secure_session_t *ss = server_closed_slot();
    REQUIRE(ss != NULL && sock_secure_session_info(ss, &info) == 0);
    CHECK_EQ(info.alert, alert);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_RECEIVED);
}

static void unknown_ca_is_refused_by_default(void)
{
    start();
    /* no verify setting on the client: verification is on by default */
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "other-server.crt", .key = "other-server.key" };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .server_name = "server.test" };
    REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
    sock_secure_session_t *cs;
    int rc = connect_node(&client, NULL, &cs);
    expect_client_refuses(rc, cs, SOCK_SECURE_VFY_UNKNOWN_CA, AL_UNKNOWN_CA);
    CHECK(strcmp(sock_secure_verify_reason(SOCK_SECURE_VFY_UNKNOWN_CA), "unknown CA") == 0);
    teardown();
}

static void verify_none_and_optional_let_an_unknown_ca_through(void)
{
    const sock_secure_verify_t modes[] = { SOCK_SECURE_VERIFY_NONE, SOCK_SECURE_VERIFY_OPTIONAL };
    for (size_t i = 0; i < 2; i++) {
        start();
        spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "other-server.crt",
                     .key = "other-server.key" };
        spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .server_name = "server.test",
                     .verify = modes[i] };
        REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
        REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
        sock_secure_session_t *cs;
        CHECK_EQ(connect_node(&client, NULL, &cs), 0);
        sock_secure_session_info_t info;
        REQUIRE(sock_secure_session_info(cs, &info) == 0);
        /* none: nothing checked; optional: checked, reported, not enforced */
        CHECK_EQ(info.verify, i == 0 ? 0u : SOCK_SECURE_VFY_UNKNOWN_CA);
        teardown();
    }
    /* verify none needs no CA at all */
    start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "server.key" };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .verify = SOCK_SECURE_VERIFY_NONE };
    REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
    sock_secure_session_t *cs;
    CHECK_EQ(connect_node(&client, NULL, &cs), 0);
    teardown();
}

static void wrong_server_name_is_refused(void)
{
    start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "server.key" };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .server_name = "server.test" };
    REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
    sock_secure_session_t *cs;
    int rc = connect_node(&client, "other.test", &cs);
    expect_client_refuses(rc, cs, SOCK_SECURE_VFY_NAME_MISMATCH, AL_BAD_CERTIFICATE);
    CHECK_EQ(sock_secure_session_close(cs), 0);
    /* the config's name (server.test) is right: the next connection works */
    CHECK_EQ(connect_node(&client, NULL, &cs), 0);
    teardown();
}

static void expired_certificate_is_refused(void)
{
    start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "expired.crt", .key = "expired.key" };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .server_name = "server.test" };
    REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
    sock_secure_session_t *cs;
    int rc = connect_node(&client, NULL, &cs);
    expect_client_refuses(rc, cs, SOCK_SECURE_VFY_EXPIRED, AL_CERT_EXPIRED);
    teardown();
}

static void not_yet_valid_certificate_is_refused(void)
{
    start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "future.crt", .key = "future.key" };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .server_name = "server.test" };
    REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
    sock_secure_session_t *cs;
    int rc = connect_node(&client, NULL, &cs);
    expect_client_refuses(rc, cs, SOCK_SECURE_VFY_NOT_YET_VALID,
                          is_wolfssl() ? AL_CERT_EXPIRED : AL_CERT_UNKNOWN);
    teardown();
}

static void missing_client_certificate_is_refused_when_required(void)
{
    start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "server.key",
                 .ca = "ca.crt", .verify = SOCK_SECURE_VERIFY_REQUIRED };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .server_name = "server.test" };
    REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
    sock_secure_session_t *cs;
    int rc = connect_node(&client, NULL, &cs);
    /* the server fails with E_VERIFY / NO_CERT and says handshake_failure; the client sees it */
    CHECK_EQ(rc, SOCK_SECURE_E_ALERT);
    sock_secure_session_info_t info;
    REQUIRE(sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.alert, AL_HANDSHAKE_FAILURE);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_VERIFY);
    sock_secure_session_t *ss = server_closed_slot();
    REQUIRE(ss != NULL && sock_secure_session_info(ss, &info) == 0);
    CHECK_EQ(info.last_error, SOCK_SECURE_E_VERIFY);
    CHECK_EQ(info.verify, SOCK_SECURE_VFY_NO_CERT);
    CHECK_EQ(info.alert, AL_HANDSHAKE_FAILURE);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_SENT);
    teardown();

    /* optional: the client gets in, the server knows it did not authenticate */
    start();
    s.verify = SOCK_SECURE_VERIFY_OPTIONAL;
    REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
    CHECK_EQ(connect_node(&client, NULL, &cs), 0);
    ss = NULL;
    CHECK_EQ(sock_secure_accept(&server.sock, &ss, 0), 0);
    REQUIRE(ss != NULL && sock_secure_session_info(ss, &info) == 0);
    CHECK_EQ(info.verify, SOCK_SECURE_VFY_NO_CERT);
    teardown();
}

static void client_certificate_from_another_ca_is_refused(void)
{
    start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "server.key",
                 .ca = "ca.crt" };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .cert = "other-client.crt",
                 .key = "other-client.key", .ca = "ca.crt", .server_name = "server.test" };
    REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
    sock_secure_session_t *cs;
    CHECK_EQ(connect_node(&client, NULL, &cs), SOCK_SECURE_E_ALERT);
    sock_secure_session_info_t info;
    REQUIRE(sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.alert, AL_UNKNOWN_CA);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_VERIFY);
    sock_secure_session_t *ss = server_closed_slot();
    REQUIRE(ss != NULL && sock_secure_session_info(ss, &info) == 0);
    CHECK_EQ(info.verify, SOCK_SECURE_VFY_UNKNOWN_CA);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_SENT);
    teardown();
}

/* Flip the last byte of the client's CertificateVerify signature in flight (a DTLS handshake
 * record of epoch 0 carrying message type 15): still valid DER, no longer a valid signature. */
static int spoil_certificate_verify(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to,
                                    uint8_t *data, size_t *len)
{
    (void)from;
    (void)to;
    int *hits = arg;
    for (size_t off = 0; off + 13 <= *len;) {
        size_t rlen = ((size_t)data[off + 11] << 8) | data[off + 12];
        if (off + 13 + rlen > *len) {
            break;
        }
        if (data[off] == 22 && data[off + 3] == 0 && data[off + 4] == 0 && rlen > 12 &&
            data[off + 13] == 15) {
            data[off + 13 + rlen - 1] ^= 0x01;
            (*hits)++;
        }
        off += 13 + rlen;
    }
    return SOCK_SECURE_MEM_DELIVER;
}

static void bad_certificate_verify_signature_is_refused(void)
{
    start();
    int hits = 0;
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "server.key",
                 .ca = "ca.crt" };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .cert = "client.crt", .key = "client.key",
                 .ca = "ca.crt", .server_name = "server.test" };
    REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
    tu_net.filter = spoil_certificate_verify;
    tu_net.filter_arg = &hits;
    sock_secure_session_t *cs;
    int rc = connect_node(&client, NULL, &cs);
    tu_net.filter = NULL;
    CHECK_EQ(hits, 1);
    /* the server says decrypt_error (mbedTLS alone would say nothing: the client would time out) */
    CHECK_EQ(rc, SOCK_SECURE_E_ALERT);
    sock_secure_session_info_t info;
    REQUIRE(sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.alert, 51);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_RECEIVED);
    CHECK_EQ(server.ev.last_err, SOCK_SECURE_E_VERIFY);
    sock_secure_session_t *ss = server_closed_slot();
    REQUIRE(ss != NULL && sock_secure_session_info(ss, &info) == 0);
    CHECK_EQ(info.verify, SOCK_SECURE_VFY_BAD_SIGNATURE);
    CHECK_EQ(info.alert, 51);
    CHECK_EQ(info.alert_origin, TLSMAN_ALERT_SENT);
    teardown();
}

/* ---- the application's verify callback ------------------------------------------------------ */

typedef struct {
    int calls;
    int max_depth;
    bool leaf_matches;   /* depth 0's DER is server.crt.der */
    uint32_t add;        /* bits to add at depth 0 */
    int rc;              /* what to return at depth 0 */
    uint8_t leaf[2048];
    size_t leaf_len;
} vcb_t;

static int verify_cb(void *arg, const uint8_t *der, size_t der_len, int depth, uint32_t *flags)
{
    vcb_t *v = arg;
    v->calls++;
    v->max_depth = depth > v->max_depth ? depth : v->max_depth;
    if (depth == 0) {
        v->leaf_matches = der_len == v->leaf_len && memcmp(der, v->leaf, der_len) == 0;
        *flags |= v->add;
        return v->rc;
    }
    return 0;
}

static void verify_callback_sees_the_chain_and_can_reject(void)
{
    static vcb_t v;
    static const struct {
        uint32_t add;
        int rc;
        uint32_t expect;
    } cases[] = {
        { 0, 0, 0 },                                                   /* accepts */
        { SOCK_SECURE_VFY_APP, 0, SOCK_SECURE_VFY_APP },               /* rejects */
        { SOCK_SECURE_VFY_REVOKED, 0, SOCK_SECURE_VFY_REVOKED | SOCK_SECURE_VFY_APP },
        { 0, -1, SOCK_SECURE_VFY_APP },                                /* aborts */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        start();
        memset(&v, 0, sizeof(v));
        v.leaf_len = tu_pki_read("server.crt.der", v.leaf, sizeof(v.leaf));
        REQUIRE(v.leaf_len > 0);
        v.add = cases[i].add;
        v.rc = cases[i].rc;
        spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "server.key" };
        spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .server_name = "server.test",
                     .verify_cb = verify_cb, .verify_arg = &v };
        REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
        REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
        sock_secure_session_t *cs;
        int rc = connect_node(&client, NULL, &cs);
        if (is_wolfssl()) {
            /* wolfSSL calls back for the certificates the peer sent (here only its own), not for
             * the trust anchor it verified them with */
            CHECK_EQ(v.calls, 1);
            CHECK_EQ(v.max_depth, 0);
        } else {
            CHECK_EQ(v.calls, 2); /* the CA (depth 1), then the server's certificate (depth 0) */
            CHECK_EQ(v.max_depth, 1);
        }
        CHECK(v.leaf_matches);
        if (cases[i].expect == 0) {
            CHECK_EQ(rc, 0);
        } else {
            expect_client_refuses(rc, cs, cases[i].expect,
                                  is_wolfssl() ? AL_BAD_CERTIFICATE : AL_ACCESS_DENIED);
            sock_secure_session_info_t info;
            REQUIRE(sock_secure_session_info(cs, &info) == 0);
            CHECK_EQ(info.verify, cases[i].expect);
        }
        teardown();
    }
}

/* ---- address targets: no server name means the address is checked ------------------------ */

/* The flags a verify callback is shown for the server's own certificate (depth 0). */
static int seen_cb(void *arg, const uint8_t *der, size_t der_len, int depth, uint32_t *flags)
{
    (void)der;
    (void)der_len;
    if (depth == 0) {
        *(uint32_t *)arg = *flags | 0x80000000u; /* the top bit: called */
    }
    return 0;
}

/* A server at @p addr on the memory net with @p cert, a client trusting ca.crt with no
 * server name in its config; connect to @p target (the server's address, maybe written another
 * way) expecting @p name (NULL: the address). Returns connect_node()'s result. */
static int connect_to_address(const char *addr, const char *cert, const char *target,
                              const char *name, sock_secure_verify_t verify, uint32_t *seen,
                              sock_secure_session_t **cs)
{
    static char key[64];
    snprintf(key, sizeof(key), "%.*s.key", (int)(strlen(cert) - 4), cert);
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = cert, .key = key };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .verify = verify,
                 .verify_cb = seen ? seen_cb : NULL, .verify_arg = seen };
    *cs = NULL;
    if (node_up(&server, addr, &s) != 0 || node_up(&client, "[fd00::2]:40000", &c) != 0) {
        return -ENODEV;
    }
    sock_secure_ep_t ep = tu_ep(target);
    int rc = sock_secure_connect_to(&client.sock, &ep, name, cs, 0);
    if (rc != -EINPROGRESS) {
        return rc;
    }
    pump();
    sock_secure_session_info_t info;
    if (sock_secure_session_info(*cs, &info) < 0) {
        return -ENOENT;
    }
    return info.state == SOCK_SECURE_ST_OPEN ? 0 : info.last_error;
}

static void address_target_matches_only_its_ip_san(void)
{
    static const struct {
        const char *addr, *cert, *target;
        bool ok;
    } cases[] = {
        { "127.0.0.1:5684", "ip-server.crt", "127.0.0.1:5684", true },  /* IP SANs only */
        { "[::1]:5684", "ip-server.crt", "[::1]:5684", true },
        { "127.0.0.1:5684", "server.crt", "127.0.0.1:5684", true },     /* DNS + IP SANs */
        { "[::1]:5684", "server.crt", "[::1]:5684", true },
        /* a v4-mapped target is the IPv4 peer; a v4-mapped SAN is the IPv4 address */
        { "127.0.0.1:5684", "ip-server.crt", "[::ffff:127.0.0.1]:5684", true },
        { "127.0.0.1:5684", "mapped-ip.crt", "127.0.0.1:5684", true },
        { "[::1]:5684", "mapped-ip.crt", "[::1]:5684", false },
        /* a certificate the CA issued for a name only (evil.example), or for other addresses */
        { "127.0.0.1:5684", "evil.crt", "127.0.0.1:5684", false },
        { "[::1]:5684", "evil.crt", "[::1]:5684", false },
        { "127.0.0.1:5684", "wrong-ip.crt", "127.0.0.1:5684", false },
        { "[::1]:5684", "wrong-ip.crt", "[::1]:5684", false },
        { "[fd00::1]:5684", "ip-server.crt", "[fd00::1]:5684", false },
        { "[fd00::1]:5684", "server.crt", "[fd00::1]:5684", false },
        /* the address written as a dNSName and as the CN never stands for the address */
        { "127.0.0.1:5684", "ip-as-dns.crt", "127.0.0.1:5684", false },
        { "[::1]:5684", "ip-as-dns.crt", "[::1]:5684", false },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        start();
        uint32_t seen = 0;
        sock_secure_session_t *cs;
        int rc = connect_to_address(cases[i].addr, cases[i].cert, cases[i].target, NULL,
                                    SOCK_SECURE_VERIFY_DEFAULT, &seen, &cs);
        if (cases[i].ok) {
            CHECK_EQ(rc, 0);
            sock_secure_session_info_t info;
            REQUIRE(cs != NULL && sock_secure_session_info(cs, &info) == 0);
            CHECK_EQ(info.verify, 0);
            CHECK_EQ(seen, 0x80000000u); /* the callback saw a clean certificate */
            exchange_data(&client, cs);
        } else {
            /* exactly as a wrong DNS name: name mismatch, bad_certificate, and the
             * application's callback sees the bit on the server's certificate */
            expect_client_refuses(rc, cs, SOCK_SECURE_VFY_NAME_MISMATCH, AL_BAD_CERTIFICATE);
            sock_secure_session_info_t info;
            REQUIRE(cs != NULL && sock_secure_session_info(cs, &info) == 0);
            CHECK_EQ(info.verify, SOCK_SECURE_VFY_NAME_MISMATCH);
            CHECK_EQ(info.last_error, SOCK_SECURE_E_VERIFY);
            CHECK(strcmp(sock_secure_verify_reason(info.verify), "name mismatch") == 0);
            CHECK_EQ(seen, 0x80000000u | SOCK_SECURE_VFY_NAME_MISMATCH);
        }
        if (tu_failures != 0 && (rc == 0) != cases[i].ok) {
            fprintf(stderr, "  %s serving %s, client to %s\n", cases[i].addr, cases[i].cert,
                    cases[i].target);
        }
        teardown();
    }
}

static void empty_server_name_opts_out_and_a_name_is_checked_as_before(void)
{
    /* "" per connection: no identity check, the chain still is */
    start();
    sock_secure_session_t *cs;
    CHECK_EQ(connect_to_address("127.0.0.1:5684", "evil.crt", "127.0.0.1:5684", "",
                                SOCK_SECURE_VERIFY_DEFAULT, NULL, &cs), 0);
    sock_secure_session_info_t info;
    REQUIRE(cs != NULL && sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.verify, 0);
    exchange_data(&client, cs);
    teardown();
    start();
    CHECK_EQ(connect_to_address("127.0.0.1:5684", "other-server.crt", "127.0.0.1:5684", "",
                                SOCK_SECURE_VERIFY_DEFAULT, NULL, &cs),
             SOCK_SECURE_E_VERIFY); /* an unknown CA still fails */
    teardown();

    /* "" in the config: the same for every connection */
    start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "evil.crt", .key = "evil.key" };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .server_name = "" };
    REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
    CHECK_EQ(connect_node(&client, NULL, &cs), 0);
    teardown();

    /* a name is a DNS check as before, whatever the address: evil.crt is evil.example */
    start();
    CHECK_EQ(connect_to_address("127.0.0.1:5684", "evil.crt", "127.0.0.1:5684", "evil.example",
                                SOCK_SECURE_VERIFY_DEFAULT, NULL, &cs), 0);
    teardown();
    start();
    int rc = connect_to_address("127.0.0.1:5684", "ip-server.crt", "127.0.0.1:5684",
                                "server.test", SOCK_SECURE_VERIFY_DEFAULT, NULL, &cs);
    expect_client_refuses(rc, cs, SOCK_SECURE_VFY_NAME_MISMATCH, AL_BAD_CERTIFICATE);
    teardown();
}

static void address_mismatch_is_reported_under_optional_and_ignored_under_none(void)
{
    start();
    sock_secure_session_t *cs;
    CHECK_EQ(connect_to_address("127.0.0.1:5684", "evil.crt", "127.0.0.1:5684", NULL,
                                SOCK_SECURE_VERIFY_OPTIONAL, NULL, &cs), 0);
    sock_secure_session_info_t info;
    REQUIRE(cs != NULL && sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.verify, SOCK_SECURE_VFY_NAME_MISMATCH);
    teardown();
    start();
    CHECK_EQ(connect_to_address("127.0.0.1:5684", "evil.crt", "127.0.0.1:5684", NULL,
                                SOCK_SECURE_VERIFY_NONE, NULL, &cs), 0);
    REQUIRE(cs != NULL && sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.verify, 0);
    teardown();
}

/* A driver that cannot check addresses (no set_peer_ip): a verifying client must name the
 * server (or opt out with ""); connecting to a bare address is refused before any record is sent
 * rather than silently left unchecked. */
static void a_driver_without_address_check_refuses_an_unnamed_server(void)
{
    static tlsman_driver_t noip;
    static char name[32];
    snprintf(name, sizeof(name), "%s-noip", drv->name);
    noip = *drv;
    noip.name = name;
    noip.set_peer_ip = NULL;
    int rc = sock_secure_register(&noip);
    REQUIRE(rc == 0 || rc == -EALREADY);
    const char *saved = tu_backend_name;
    tu_backend_name = name;
    start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "ip-server.crt", .key = "ip-server.key" };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt" };
    REQUIRE(node_up(&server, "127.0.0.1:5684", &s) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", &c) == 0);
    sock_secure_ep_t ep = tu_ep("127.0.0.1:5684");
    sock_secure_session_t *cs = NULL;
    CHECK_EQ(sock_secure_connect(&client.sock, &ep, &cs, 0), -ENOTSUP);
    CHECK_EQ(client.mem.queued + server.mem.queued, 0); /* nothing sent */
    sock_secure_stats_t st;
    CHECK_EQ(sock_secure_stats(&client.sock, &st), 0);
    CHECK_EQ(st.sessions_handshake, 0);                 /* and no slot taken */
    CHECK_EQ(sock_secure_connect_to(&client.sock, &ep, "", &cs, 0), -EINPROGRESS);
    pump();                                             /* the explicit opt-out works */
    sock_secure_session_info_t info;
    REQUIRE(cs != NULL && sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    teardown();
    tu_backend_name = saved;
}

/* ---- credentials checked as they are added ------------------------------------------------- */

static sock_secure_creds_t store;


/* Add a PKI file to the store (checked by the default backend's cred_check), and check that the
 * backend under test's cred_check gives the same verdict on the same bytes. */
static int add(sock_secure_cred_type_t type, const char *file)
{
    int rc = sock_secure_creds_add_file(&store, 9, type, tu_pki(file));
    static uint8_t bytes[16384];
    size_t n = tu_pki_read(file, bytes, sizeof(bytes) - 1);
    if (n > 0 && n < sizeof(bytes) - 1) {
        bytes[n] = '\0';
        if (strstr((const char *)bytes, "-----BEGIN") != NULL) {
            n++; /* PEM with its NUL, as the store keeps it */
        }
        int own = drv->cred_check(type, bytes, n);
        if (own != rc) {
            fprintf(stderr, "  %s as type %d: store %d, %s cred_check %d\n", file, (int)type, rc,
                    drv->name, own);
        }
        CHECK_EQ(own, rc);
    }
    return rc;
}

static void store_accepts_p256_keys_and_certificates_in_every_encoding(void)
{
    CHECK_EQ(sock_secure_creds_init(&store), 0);
    const char *keys[] = { "server.key", "server.p8.key", "server.key.der", "server.p8.der" };
    for (size_t i = 0; i < 4; i++) {
        CHECK_EQ(add(SOCK_SECURE_CRED_PRIVATE_KEY, keys[i]), 0);
        CHECK_EQ(sock_secure_creds_remove(&store, 9, 0), 1);
    }
    CHECK_EQ(add(SOCK_SECURE_CRED_CERT_CHAIN, "server.crt"), 0);
    CHECK_EQ(add(SOCK_SECURE_CRED_CA, "both.pem"), 0); /* two anchors in one PEM */
    CHECK_EQ(add(SOCK_SECURE_CRED_PEER_KEY, "server.pub"), 0);
    CHECK_EQ(sock_secure_creds_remove(&store, 9, 0), 3);
    CHECK_EQ(add(SOCK_SECURE_CRED_CERT_CHAIN, "chain-server.crt"), 0);
    CHECK_EQ(add(SOCK_SECURE_CRED_CA, "server.crt.der"), 0);
    CHECK_EQ(store.used > 0, 1);
}

static void store_refuses_what_is_not_a_usable_credential(void)
{
    CHECK_EQ(sock_secure_creds_init(&store), 0);
    /* damaged base64 inside a PEM frame */
    CHECK_EQ(add(SOCK_SECURE_CRED_CERT_CHAIN, "corrupt.crt"), SOCK_SECURE_E_CRED_FORMAT);
    CHECK_EQ(add(SOCK_SECURE_CRED_CA, "corrupt.crt"), SOCK_SECURE_E_CRED_FORMAT);
    CHECK_EQ(add(SOCK_SECURE_CRED_PRIVATE_KEY, "corrupt.crt"), SOCK_SECURE_E_CRED_FORMAT);
    /* valid objects of another kind */
    CHECK_EQ(add(SOCK_SECURE_CRED_PRIVATE_KEY, "server.crt"), SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(add(SOCK_SECURE_CRED_PRIVATE_KEY, "server.crt.der"), SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(add(SOCK_SECURE_CRED_PRIVATE_KEY, "server.pub"), SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(add(SOCK_SECURE_CRED_CERT_CHAIN, "server.key"), SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(add(SOCK_SECURE_CRED_CA, "server.p8.der"), SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(add(SOCK_SECURE_CRED_PEER_KEY, "server.crt"), SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(add(SOCK_SECURE_CRED_PEER_KEY, "server.key"), SOCK_SECURE_E_CRED_TYPE);
    /* keys that are not P-256 */
    CHECK_EQ(add(SOCK_SECURE_CRED_PRIVATE_KEY, "rsa.key"), -ENOTSUP);
    CHECK_EQ(add(SOCK_SECURE_CRED_PRIVATE_KEY, "p384.key"), -ENOTSUP);
    /* nothing of any refused credential stays behind */
    CHECK_EQ(store.used, 0);
    size_t cursor = 0;
    CHECK_EQ(sock_secure_creds_find(&store, 9, 0, &cursor, NULL, NULL), -ENOENT);
    for (size_t i = 0; i < sizeof(store.arena); i++) {
        if (store.arena[i] != 0) {
            CHECK(!"arena not zero after refusals");
            break;
        }
    }

    /* the driver's check directly, on bytes that are no PEM and no DER at all */
    static const uint8_t junk[] = { 0x30, 0x82, 0x01, 0x00, 0x02, 0x01 };
    CHECK_EQ(drv->cred_check(SOCK_SECURE_CRED_CA, junk, sizeof(junk)), SOCK_SECURE_E_CRED_FORMAT);
    CHECK_EQ(drv->cred_check(SOCK_SECURE_CRED_PRIVATE_KEY, junk, sizeof(junk)),
             SOCK_SECURE_E_CRED_FORMAT);
    CHECK_EQ(drv->cred_check(SOCK_SECURE_CRED_CERT_CHAIN, junk, sizeof(junk)),
             SOCK_SECURE_E_CRED_FORMAT);
    CHECK_EQ(drv->cred_check(SOCK_SECURE_CRED_PEER_KEY, junk, sizeof(junk)),
             SOCK_SECURE_E_CRED_FORMAT);
}

static void removed_credentials_are_zeroed_in_the_arena(void)
{
    static uint8_t key_pem[1024];
    size_t n = tu_pki_read("server.key", key_pem, sizeof(key_pem));
    REQUIRE(n > 100);
    /* a run of base64 from the middle of the key: it must be gone after removal */
    const uint8_t *secret = key_pem + 40;
    CHECK_EQ(sock_secure_creds_init(&store), 0);
    CHECK_EQ(add(SOCK_SECURE_CRED_CERT_CHAIN, "server.crt"), 0);
    CHECK_EQ(add(SOCK_SECURE_CRED_PRIVATE_KEY, "server.key"), 0);
    CHECK_EQ(sock_secure_creds_add(&store, 10, SOCK_SECURE_CRED_PRIVATE_KEY, key_pem, n), 0);
    CHECK(tu_arena_contains(&store, secret, 24));
    size_t used_before = store.used;
    CHECK_EQ(sock_secure_creds_remove(&store, 9, SOCK_SECURE_CRED_PRIVATE_KEY), 1);
    CHECK(tu_arena_contains(&store, secret, 24)); /* tag 10 still holds its copy */
    CHECK_EQ(sock_secure_creds_remove(&store, 10, 0), 1);
    CHECK(!tu_arena_contains(&store, secret, 24));
    CHECK(store.used < used_before);
    for (size_t i = store.used; i < sizeof(store.arena); i++) {
        if (store.arena[i] != 0) {
            CHECK(!"arena beyond used is not zero");
            break;
        }
    }
    CHECK_EQ(sock_secure_creds_remove(&store, 9, 0), 1);
    CHECK_EQ(store.used, 0);
}

/* ---- configurations refused at create ------------------------------------------------------ */

static void mismatched_key_is_refused_at_create(void)
{
    start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "mismatch.key" };
    CHECK_EQ(node_up(&server, "[fd00::1]:5684", &s), SOCK_SECURE_E_CRED_MISMATCH);
    teardown();
    start();
    spec_t c = { .role = SOCK_SECURE_CLIENT, .cert = "client.crt", .key = "server.key",
                 .ca = "ca.crt" };
    CHECK_EQ(node_up(&client, "[fd00::2]:40000", &c), SOCK_SECURE_E_CRED_MISMATCH);
    teardown();
}

static void incomplete_or_unsupported_configurations_are_refused(void)
{
    /* a certificate without its key */
    start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt" };
    CHECK_EQ(node_up(&server, "[fd00::1]:5684", &s), -EINVAL);
    teardown();
    /* raw public keys: neither mbedTLS 2.28 nor wolfSSL 5.5.4 has RFC 7250, so the drivers lack
     * TLSMAN_CAP_RPK; a driver that has it is checked elsewhere */
    CHECK((drv->caps & TLSMAN_CAP_X509) != 0);
    if ((drv->caps & TLSMAN_CAP_RPK) != 0) {
        return;
    }
    start();
    spec_t rpk_server = { .role = SOCK_SECURE_SERVER, .key = "server.key" }; /* key alone */
    CHECK_EQ(node_up(&server, "[fd00::1]:5684", &rpk_server), -ENOTSUP);
    teardown();
    start();
    CHECK_EQ(sock_secure_creds_init(&client.creds), 0);
    CHECK_EQ(sock_secure_creds_add_file(&client.creds, TU_TAG_CA, SOCK_SECURE_CRED_PEER_KEY,
                                        tu_pki("server.pub")), 0);
    REQUIRE(tu_node_join(&client, TU_CLIENT_ADDR) == 0);
    sock_secure_config_t cfg;
    tu_node_config(&client, &cfg, SOCK_SECURE_CLIENT, tu_backend_name, SLOTS);
    cfg.creds = &client.creds;
    client.tags[0] = TU_TAG_CA;
    cfg.cred_tags = client.tags;
    cfg.cred_tag_count = 1;
    CHECK_EQ(tu_node_create(&client, &cfg), -ENOTSUP); /* a pinned peer key */
    teardown();
    /* a client with nothing to verify the server with */
    start();
    spec_t c = { .role = SOCK_SECURE_CLIENT, .server_name = "server.test" };
    CHECK_EQ(node_up(&client, "[fd00::2]:40000", &c), -EINVAL);
    teardown();
    /* a server asked to verify clients without a CA */
    start();
    spec_t sv = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "server.key",
                  .verify = SOCK_SECURE_VERIFY_REQUIRED };
    CHECK_EQ(node_up(&server, "[fd00::1]:5684", &sv), -EINVAL);
    teardown();
}

/* ---- PSK and certificates on one server ---------------------------------------------------- */

static void one_server_serves_psk_and_certificate_clients_at_once(void)
{
    start();
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "server.key",
                 .psk = true };
    spec_t c_cert = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt", .server_name = "server.test" };
    spec_t c_psk = { .role = SOCK_SECURE_CLIENT, .psk = true };
    REQUIRE(node_up(&server, "[fd00::1]:5684", &s) == 0);
    REQUIRE(node_up(&client, "[fd00::2]:40000", &c_cert) == 0);
    REQUIRE(node_up(&client2, "[fd00::3]:40000", &c_psk) == 0);
    /* both handshakes in flight at the same time */
    sock_secure_session_t *a = NULL, *b = NULL;
    CHECK_EQ(sock_secure_connect(&client.sock, server_ep(), &a, 0), -EINPROGRESS);
    CHECK_EQ(sock_secure_connect(&client2.sock, server_ep(), &b, 0), -EINPROGRESS);
    pump();
    sock_secure_session_info_t ia, ib;
    REQUIRE(sock_secure_session_info(a, &ia) == 0 && sock_secure_session_info(b, &ib) == 0);
    CHECK_EQ(ia.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(ib.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(ia.suite, SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8);
    /* the first default PSK suite the stack has (wolfSSL 5.5.4 on Debian: CHACHA20-POLY1305) */
    CHECK_EQ(ib.suite, sock_secure_suite_supported(drv->name, SOCK_SECURE_PSK_AES_128_CCM_8, true)
                           ? SOCK_SECURE_PSK_AES_128_CCM_8
                           : SOCK_SECURE_PSK_CHACHA20_POLY1305);
    CHECK_EQ(server.ev.connected, 2);
    /* both carry data */
    CHECK_EQ(sock_secure_session_send(a, "by cert", 7), 7);
    CHECK_EQ(sock_secure_session_send(b, "by psk", 6), 6);
    pump();
    uint8_t buf[32];
    int got = 0;
    for (int i = 0; i < 2; i++) {
        sock_secure_session_t *from = NULL;
        int n = sock_secure_recv_any(&server.sock, &from, buf, sizeof(buf), 0);
        got += (n == 7 && memcmp(buf, "by cert", 7) == 0) || (n == 6 && memcmp(buf, "by psk", 6) == 0);
    }
    CHECK_EQ(got, 2);
    teardown();
}

/* ---- real UDP and TCP loopback ------------------------------------------------------------ */

static tu_node_t userver, uclient;

/* Open @p n on loopback @p addr ("127.0.0.1" or "::1", ephemeral port): DTLS over UDP, or TLS
 * over TCP with @p tls (a server listens). */
static int lo_node_up(tu_node_t *n, const spec_t *sp, bool tls, const char *addr)
{
    int rc = tu_creds_load(&n->creds, sp->cert, sp->key, sp->ca, sp->psk);
    if (rc < 0) {
        return rc;
    }
    char text[64];
    snprintf(text, sizeof(text), strchr(addr, ':') ? "[%s]:0" : "%s:0", addr);
    if (!tls) {
        rc = tu_node_open_udp(n, text, NULL);
    } else if (sp->role == SOCK_SECURE_SERVER) {
        rc = tu_node_listen_tcp(n, text, 2, NULL);
    } else {
        rc = tu_node_open_tcp(n, 2);
    }
    if (rc < 0) {
        return rc;
    }
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, sp->role, tu_backend_name, 2);
    tu_node_use_creds(n, &cfg);
    cfg.server_name = sp->server_name;
    return tu_node_create(n, &cfg);
}

/* Connect uclient to userver expecting @p name (NULL: the address) and run both until the
 * handshake ends. Returns 0 (open) or the session's error; *cs is the client's session. */
static int lo_connect(const char *name, sock_secure_session_t **cs)
{
    sock_secure_ep_t srv;
    *cs = NULL;
    if (sock_secure_transport_local(userver.transport, &srv) < 0) {
        return -ENODEV;
    }
    int rc = sock_secure_connect_to(&uclient.sock, &srv, name, cs, 0);
    if (rc != -EINPROGRESS) {
        return rc;
    }
    sock_secure_session_info_t info;
    for (int i = 0; i < 5000; i++) {
        sock_secure_process(&userver.sock);
        sock_secure_process(&uclient.sock);
        if (sock_secure_session_info(*cs, &info) == 0 && info.state != SOCK_SECURE_ST_HANDSHAKE) {
            break;
        }
        sock_secure_transport_wait(uclient.transport, 1);
    }
    if (sock_secure_session_info(*cs, &info) < 0) {
        return -ENOENT;
    }
    return info.state == SOCK_SECURE_ST_OPEN ? 0 : info.state == SOCK_SECURE_ST_HANDSHAKE
                                                       ? -EINPROGRESS
                                                       : info.last_error;
}

static void mutual_auth_over_udp_loopback(void)
{
    spec_t s = { .role = SOCK_SECURE_SERVER, .cert = "server.crt", .key = "server.key",
                 .ca = "ca.crt" };
    spec_t c = { .role = SOCK_SECURE_CLIENT, .cert = "client.crt", .key = "client.key",
                 .ca = "ca.crt", .server_name = "server.test" };
    REQUIRE(lo_node_up(&userver, &s, false, "127.0.0.1") == 0);
    REQUIRE(lo_node_up(&uclient, &c, false, "127.0.0.1") == 0);
    sock_secure_session_t *cs = NULL;
    CHECK_EQ(lo_connect(NULL, &cs), 0);
    sock_secure_session_info_t info;
    REQUIRE(cs != NULL && sock_secure_session_info(cs, &info) == 0);
    CHECK_EQ(info.state, SOCK_SECURE_ST_OPEN);
    CHECK_EQ(info.suite, SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8);
    sock_secure_session_t *ss = NULL;
    CHECK_EQ(sock_secure_accept(&userver.sock, &ss, 1000), 0);
    REQUIRE(ss != NULL);
    CHECK_EQ(sock_secure_session_send(cs, "over udp", 8), 8);
    uint8_t buf[32];
    sock_secure_session_t *from = NULL;
    CHECK_EQ(sock_secure_recv_any(&userver.sock, &from, buf, sizeof(buf), 2000), 8);
    CHECK_MEM(buf, "over udp", 8);
    node_down(&uclient);
    node_down(&userver);
}

/* DTLS over UDP and TLS over TCP, on 127.0.0.1 and ::1, the client naming no server: the
 * server's address is checked against its certificate's iPAddress entries. */
static void address_check_over_udp_and_tcp_loopback(void)
{
    static const struct {
        const char *cert, *key, *name;
        int expect;
    } cases[] = {
        { "ip-server.crt", "ip-server.key", NULL, 0 },
        { "evil.crt", "evil.key", NULL, SOCK_SECURE_E_VERIFY },
        { "wrong-ip.crt", "wrong-ip.key", NULL, SOCK_SECURE_E_VERIFY },
        { "evil.crt", "evil.key", "", 0 },              /* the explicit opt-out */
        { "evil.crt", "evil.key", "evil.example", 0 },  /* a name: a DNS check */
    };
    static const char *const addrs[] = { "127.0.0.1", "::1" };
    for (int tls = 0; tls < 2; tls++) {
        for (size_t a = 0; a < 2; a++) {
            for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                spec_t s = { .role = SOCK_SECURE_SERVER, .cert = cases[i].cert,
                             .key = cases[i].key };
                spec_t c = { .role = SOCK_SECURE_CLIENT, .ca = "ca.crt" };
                int rc = lo_node_up(&userver, &s, tls != 0, addrs[a]);
                if (rc < 0 && a == 1) {
                    printf("  no IPv6 loopback (%s): the ::1 cases are not run\n",
                           sock_secure_strerror(rc));
                    node_down(&userver);
                    break;
                }
                REQUIRE(rc == 0);
                REQUIRE(lo_node_up(&uclient, &c, tls != 0, addrs[a]) == 0);
                sock_secure_session_t *cs = NULL;
                rc = lo_connect(cases[i].name, &cs);
                CHECK_EQ(rc, cases[i].expect);
                sock_secure_session_info_t info;
                if (cs != NULL && sock_secure_session_info(cs, &info) == 0) {
                    CHECK_EQ(info.verify,
                             cases[i].expect != 0 ? SOCK_SECURE_VFY_NAME_MISMATCH : 0u);
                    if (cases[i].expect != 0) {
                        CHECK_EQ(info.alert, AL_BAD_CERTIFICATE);
                        CHECK_EQ(info.alert_origin, TLSMAN_ALERT_SENT);
                    } else {
                        CHECK(strcmp(info.version, tls ? "TLSv1.2" : "DTLSv1.2") == 0);
                    }
                }
                if (rc != cases[i].expect) {
                    fprintf(stderr, "  %s on %s serving %s, name %s\n", tls ? "TLS" : "DTLS",
                            addrs[a], cases[i].cert,
                            cases[i].name ? cases[i].name : "(none)");
                }
                node_down(&uclient);
                node_down(&userver);
            }
        }
    }
}

int main(int argc, char **argv)
{
    struct stat st;
    if (tu_pki_init(argc, argv) == NULL || stat(tu_pki(""), &st) != 0 ||
        stat(tu_pki("ca.crt"), &st) != 0) {
        tu_skip("no test PKI (run tests/pki/make-pki.sh DIR; pass DIR as argv[1] or SS_PKI_DIR)");
    }
    if (sock_secure_init() < 0) {
        fprintf(stderr, "sock_secure_init failed\n");
        return 1;
    }
    drv = tu_backend(TLSMAN_CAP_DTLS | TLSMAN_CAP_X509); /* skips (77) without them */
    if (drv == NULL || drv->cred_check == NULL) {
        fprintf(stderr, "%s: no cred_check\n", tu_backend_name);
        return 1;
    }
    printf("  backend %s\n", drv->name);
    RUN(server_only_auth_with_ccm8_and_gcm);
    RUN(mutual_auth_with_ccm8_and_gcm);
    RUN(der_credentials_and_an_intermediate_chain_work);
    RUN(unknown_ca_is_refused_by_default);
    RUN(verify_none_and_optional_let_an_unknown_ca_through);
    RUN(wrong_server_name_is_refused);
    RUN(expired_certificate_is_refused);
    RUN(not_yet_valid_certificate_is_refused);
    RUN(missing_client_certificate_is_refused_when_required);
    RUN(client_certificate_from_another_ca_is_refused);
    RUN(bad_certificate_verify_signature_is_refused);
    RUN(verify_callback_sees_the_chain_and_can_reject);
    RUN(address_target_matches_only_its_ip_san);
    RUN(empty_server_name_opts_out_and_a_name_is_checked_as_before);
    RUN(address_mismatch_is_reported_under_optional_and_ignored_under_none);
    RUN(a_driver_without_address_check_refuses_an_unnamed_server);
    RUN(store_accepts_p256_keys_and_certificates_in_every_encoding);
    RUN(store_refuses_what_is_not_a_usable_credential);
    RUN(removed_credentials_are_zeroed_in_the_arena);
    RUN(mismatched_key_is_refused_at_create);
    RUN(incomplete_or_unsupported_configurations_are_refused);
    RUN(one_server_serves_psk_and_certificate_clients_at_once);
    RUN(mutual_auth_over_udp_loopback);
    RUN(address_check_over_udp_and_tcp_loopback);
    return tu_exit();
}
