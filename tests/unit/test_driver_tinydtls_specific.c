/* What only the tinyDTLS driver has, on its own without the core (tests/util/drvharness.h): raw
 * public keys (RFC 7250: pinned keys, verification modes, the application's verify_cb, mutual
 * authentication, key parsing), the stack's limits refused at create, its cookies, what the driver
 * adds to tinyDTLS (flights packed into datagrams, a repeated hello or flight answered by resending
 * ours, epoch 0's unauthenticated sequence numbers, no close_notify before a handshake), and the
 * memory a session costs on tinyDTLS's heap (printed for docs/BACKENDS.md; all of it back when the
 * session is freed). The scenarios every driver shares are tests/conformance/test_driver.c.
 * The keys come from the test PKI (SS_PKI_DIR, ctest fixture pki_setup). */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h" /* tlsman_tinydtls (src/tlsman, private) */
#include "drvharness.h"
#include "pki.h"
#include "secure_sock/config.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/tlsman.h"
#include "testutil.h"

#ifdef SS_HAVE_TINYDTLS
#include "aes/rijndael.h"         /* tinyDTLS's AES API (stack/aes.c by default) */
#include "tinydtls/stack/alloc.h" /* tinyDTLS's heap counters */

#define DRV (&tlsman_tinydtls)
#define PSK SOCK_SECURE_PSK_AES_128_CCM_8
#define RPK SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8

/* DTLS record and handshake header offsets (RFC 6347 §4.1, §4.2.2). */
#define REC_HDR 13
#define HS_TYPE 13

/* ---- keys from the PKI ------------------------------------------------------------------------ */

typedef struct {
    uint8_t data[4096];
    size_t len;
} file_t;

static file_t server_key, server_key_der, server_p8, server_p8_der, server_pub, client_key,
    client_pub, server_crt, rsa_key, p384_key;

/* A PKI file, PEM with its NUL (as the credential store keeps it). */
static bool load(file_t *f, const char *name)
{
    f->len = tu_pki_read(name, f->data, sizeof(f->data) - 1);
    if (f->len == 0) {
        fprintf(stderr, "cannot read %s\n", tu_pki(name));
        return false;
    }
    f->data[f->len] = '\0';
    if (strstr((const char *)f->data, "-----BEGIN") != NULL) {
        f->len++;
    }
    return true;
}

static tlsman_cred_t cred(uint8_t type, const file_t *f)
{
    return (tlsman_cred_t){ type, f->data, f->len };
}

/* ---- set-up ----------------------------------------------------------------------------------- */

/* ctx_init as the core calls it, with credentials and a verification mode. */
static int up(dh_peer_t *p, tlsman_role_t role, uint16_t suite, const sock_secure_psk_t *psk,
              const tlsman_cred_t *creds, size_t n, tlsman_verify_t verify,
              tlsman_verify_cb_t cb, void *arg)
{
    const tlsman_suite_t *e[1];
    if (tu_suite_list(&suite, 1, e) < 0) {
        return -ENOTSUP;
    }
    tlsman_config_t cfg = { .role = role,
                            .datagram = true,
                            .suites = e,
                            .suite_count = 1,
                            .psk = psk,
                            .mtu = 1280,
                            .io = &dh_io,
                            .creds = creds,
                            .cred_count = n,
                            .verify = verify,
                            .verify_cb = cb,
                            .verify_arg = arg };
    return DRV->ctx_init(p->ctx, &cfg);
}

/* How a server with pinned client keys verifies them (rpk_pair). */
static tlsman_verify_t srv_verify = TLSMAN_VERIFY_REQUIRED;

/* Both sides up on the raw-public-key suite: the server with its key (and, for mutual
 * authentication, verifying against @p srv_pins, as srv_verify says); the client pinning
 * @p cli_pins (and presenting @p cli_key). Returns false after failed checks. */
static bool rpk_pair(const file_t *cli_pin, tlsman_verify_t cli_verify, const file_t *cli_key,
                     const file_t *srv_pin, tlsman_verify_cb_t cb, void *arg)
{
    dh_reset(false);
    tlsman_cred_t sc[2] = { cred(SOCK_SECURE_CRED_PRIVATE_KEY, &server_key) };
    size_t sn = 1;
    if (srv_pin != NULL) {
        sc[sn++] = cred(SOCK_SECURE_CRED_PEER_KEY, srv_pin);
    }
    tlsman_cred_t cc[2];
    size_t cn = 0;
    if (cli_pin != NULL) {
        cc[cn++] = cred(SOCK_SECURE_CRED_PEER_KEY, cli_pin);
    }
    if (cli_key != NULL) {
        cc[cn++] = cred(SOCK_SECURE_CRED_PRIVATE_KEY, cli_key);
    }
    int rc = up(&dh_srv, TLSMAN_SERVER, RPK, NULL, sc, sn,
                srv_pin ? srv_verify : TLSMAN_VERIFY_NONE, NULL, NULL);
    CHECK_EQ(rc, 0);
    if (rc == 0) {
        rc = up(&dh_cli, TLSMAN_CLIENT, RPK, NULL, cc, cn, cli_verify, cb, arg);
        CHECK_EQ(rc, 0);
        if (rc < 0) {
            DRV->ctx_free(dh_srv.ctx);
        }
    }
    if (rc < 0) {
        return false;
    }
    CHECK_EQ(DRV->session_init(dh_cli.ctx, dh_cli.sess, &dh_cli, NULL, 0), 0);
    CHECK_EQ(DRV->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, dh_peer_addr,
                               sizeof(dh_peer_addr)), 0);
    return true;
}

static void check_info(dh_peer_t *p, uint16_t suite, uint8_t alert, tlsman_alert_origin_t origin,
                       uint32_t verify)
{
    tlsman_info_t info;
    CHECK_EQ(DRV->info(p->sess, &info), 0);
    CHECK_EQ(info.suite, suite);
    CHECK_EQ(info.alert, alert);
    CHECK_EQ(info.alert_origin, origin);
    CHECK_EQ(info.verify, verify);
}

static void exchange(void)
{
    uint8_t buf[64];
    CHECK_EQ(DRV->write(dh_cli.sess, (const uint8_t *)"raw key up", 10), 10);
    CHECK_EQ(DRV->read(dh_srv.sess, buf, sizeof(buf)), 10);
    CHECK_MEM(buf, "raw key up", 10);
    CHECK_EQ(DRV->write(dh_srv.sess, (const uint8_t *)"and down", 8), 8);
    CHECK_EQ(DRV->read(dh_cli.sess, buf, sizeof(buf)), 8);
    CHECK_MEM(buf, "and down", 8);
}

/* ---- raw public keys -------------------------------------------------------------------------- */

static void pinned_server_key_is_accepted(void)
{
    if (!rpk_pair(&server_pub, TLSMAN_VERIFY_REQUIRED, NULL, NULL, NULL, NULL)) {
        return;
    }
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    check_info(&dh_cli, RPK, 0, TLSMAN_ALERT_NONE, 0);
    check_info(&dh_srv, RPK, 0, TLSMAN_ALERT_NONE, 0);
    exchange();
    dh_pair_down();
}

static void unpinned_server_key_fails_with_certificate_unknown(void)
{
    if (!rpk_pair(&client_pub, TLSMAN_VERIFY_REQUIRED, NULL, NULL, NULL, NULL)) {
        return;
    }
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, SOCK_SECURE_E_VERIFY);
    CHECK_EQ(r.srv, SOCK_SECURE_E_ALERT);
    check_info(&dh_cli, 0, 46, TLSMAN_ALERT_SENT, SOCK_SECURE_VFY_NOT_PINNED);
    check_info(&dh_srv, 0, 46, TLSMAN_ALERT_RECEIVED, 0);
    dh_pair_down();
}

static void optional_verification_reports_an_unpinned_key_and_goes_on(void)
{
    if (!rpk_pair(&client_pub, TLSMAN_VERIFY_OPTIONAL, NULL, NULL, NULL, NULL)) {
        return;
    }
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    check_info(&dh_cli, RPK, 0, TLSMAN_ALERT_NONE, SOCK_SECURE_VFY_NOT_PINNED);
    exchange();
    dh_pair_down();
    /* verification off: any key, nothing reported (no pinned key at all) */
    if (!rpk_pair(NULL, TLSMAN_VERIFY_NONE, NULL, NULL, NULL, NULL)) {
        return;
    }
    r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    check_info(&dh_cli, RPK, 0, TLSMAN_ALERT_NONE, 0);
    dh_pair_down();
}

/* base64 of a PEM body, for the DER the verify callback must be shown */
static size_t pem_der(const file_t *f, uint8_t *out, size_t max)
{
    const char *b = strstr((const char *)f->data, "-----\n");
    const char *e = strstr((const char *)f->data, "\n-----END");
    size_t n = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (const char *q = b + 6; q != NULL && q < e; q++) {
        const char *set = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *hit = *q != '\0' ? strchr(set, *q) : NULL;
        if (hit == NULL) {
            continue;
        }
        acc = acc << 6 | (uint32_t)(hit - set);
        bits += 6;
        if (bits >= 8 && n < max) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n;
}

typedef struct {
    int calls;
    int depth;
    uint32_t flags_seen;
    uint8_t der[128];
    size_t der_len;
    uint32_t add;
    int ret;
} vcb_t;

static int verify_cb(void *arg, const uint8_t *der, size_t len, int depth, uint32_t *flags)
{
    vcb_t *v = arg;
    v->calls++;
    v->depth = depth;
    v->flags_seen = *flags;
    v->der_len = len < sizeof(v->der) ? len : sizeof(v->der);
    memcpy(v->der, der, v->der_len);
    *flags |= v->add;
    return v->ret;
}

static void verify_callback_sees_the_key_as_spki_and_can_refuse(void)
{
    uint8_t spki[128];
    size_t spki_len = pem_der(&server_pub, spki, sizeof(spki));
    REQUIRE(spki_len == 91);
    vcb_t v = { 0 };
    if (!rpk_pair(&server_pub, TLSMAN_VERIFY_REQUIRED, NULL, NULL, verify_cb, &v)) {
        return;
    }
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(v.calls, 1);
    CHECK_EQ(v.depth, 0);
    CHECK_EQ(v.flags_seen, 0);
    CHECK_EQ(v.der_len, spki_len);
    CHECK_MEM(v.der, spki, spki_len); /* the server's SubjectPublicKeyInfo, byte for byte */
    dh_pair_down();

    /* the application adds a bit: required verification refuses with access_denied */
    vcb_t add = { .add = SOCK_SECURE_VFY_OTHER };
    if (!rpk_pair(&server_pub, TLSMAN_VERIFY_REQUIRED, NULL, NULL, verify_cb, &add)) {
        return;
    }
    r = dh_run_handshake(false);
    CHECK_EQ(r.cli, SOCK_SECURE_E_VERIFY);
    CHECK_EQ(r.srv, SOCK_SECURE_E_ALERT);
    check_info(&dh_cli, 0, 49, TLSMAN_ALERT_SENT, SOCK_SECURE_VFY_OTHER | SOCK_SECURE_VFY_APP);
    dh_pair_down();

    /* an unpinned key is shown with its bit; an error from the callback refuses even with
     * optional verification */
    vcb_t abort_cb = { .ret = -1 };
    if (!rpk_pair(&client_pub, TLSMAN_VERIFY_OPTIONAL, NULL, NULL, verify_cb, &abort_cb)) {
        return;
    }
    r = dh_run_handshake(false);
    CHECK_EQ(abort_cb.flags_seen, SOCK_SECURE_VFY_NOT_PINNED);
    CHECK_EQ(r.cli, SOCK_SECURE_E_VERIFY);
    dh_pair_down();
}

static void mutual_authentication_with_raw_keys(void)
{
    /* the server pins the client's key and asks for it */
    if (!rpk_pair(&server_pub, TLSMAN_VERIFY_REQUIRED, &client_key, &client_pub, NULL, NULL)) {
        return;
    }
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    check_info(&dh_srv, RPK, 0, TLSMAN_ALERT_NONE, 0);
    exchange();
    dh_pair_down();

    /* a client key the server did not pin */
    if (!rpk_pair(&server_pub, TLSMAN_VERIFY_REQUIRED, &client_key, &server_pub, NULL, NULL)) {
        return;
    }
    r = dh_run_handshake(false);
    CHECK_EQ(r.srv, SOCK_SECURE_E_VERIFY);
    CHECK_EQ(r.cli, SOCK_SECURE_E_ALERT);
    check_info(&dh_srv, 0, 46, TLSMAN_ALERT_SENT, SOCK_SECURE_VFY_NOT_PINNED);
    dh_pair_down();

    /* a client without a key of its own cannot answer the server's request (tinyDTLS cannot
     * send an empty Certificate): it fails with handshake_failure, and says so */
    if (!rpk_pair(&server_pub, TLSMAN_VERIFY_REQUIRED, NULL, &client_pub, NULL, NULL)) {
        return;
    }
    r = dh_run_handshake(false);
    CHECK_EQ(r.cli, SOCK_SECURE_E_HANDSHAKE);
    CHECK_EQ(r.srv, SOCK_SECURE_E_ALERT);
    check_info(&dh_cli, 0, 40, TLSMAN_ALERT_SENT, 0);
    dh_pair_down();
}

/* A SEC1 key without its public half: the driver computes it (the handshake with a client that
 * pins the real public key proves it right). */
static void a_key_without_its_public_half_works(void)
{
    /* SEC1 DER: 30 77 02 01 01 04 20 <d> a0 0a <curve> a1 44 03 42 00 04 <x> <y> */
    REQUIRE(server_key_der.len == 121 && server_key_der.data[5] == 0x04);
    file_t bare = { .len = 51 };
    static const uint8_t head[] = { 0x30, 0x31, 0x02, 0x01, 0x01, 0x04, 0x20 };
    memcpy(bare.data, head, sizeof(head));
    memcpy(bare.data + 7, server_key_der.data + 7, 32 + 12); /* d, then the curve's [0] */
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PRIVATE_KEY, bare.data, bare.len), 0);
    file_t keep = server_key;
    server_key = bare;
    if (rpk_pair(&server_pub, TLSMAN_VERIFY_REQUIRED, NULL, NULL, NULL, NULL)) {
        dh_result_t r = dh_run_handshake(false);
        CHECK_EQ(r.cli, 0);
        CHECK_EQ(r.srv, 0);
        dh_pair_down();
    }
    server_key = keep;
}

static void credentials_are_checked_by_kind_and_curve(void)
{
    const file_t *keys[] = { &server_key, &server_key_der, &server_p8, &server_p8_der, &client_key };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PRIVATE_KEY, keys[i]->data, keys[i]->len), 0);
    }
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PEER_KEY, server_pub.data, server_pub.len), 0);
    /* misdeclared */
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PRIVATE_KEY, server_pub.data, server_pub.len),
             SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PRIVATE_KEY, server_crt.data, server_crt.len),
             SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PEER_KEY, server_key.data, server_key.len),
             SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PEER_KEY, server_p8_der.data, server_p8_der.len),
             SOCK_SECURE_E_CRED_TYPE);
    /* other algorithms and curves */
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PRIVATE_KEY, rsa_key.data, rsa_key.len), -ENOTSUP);
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PRIVATE_KEY, p384_key.data, p384_key.len),
             -ENOTSUP);
    /* no certificates in tinyDTLS */
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_CERT_CHAIN, server_crt.data, server_crt.len),
             -ENOTSUP);
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_CA, server_crt.data, server_crt.len), -ENOTSUP);
    /* no PEM, no DER */
    static const uint8_t junk[] = { 0x30, 0x82, 0x01, 0x00, 0x02, 0x01 };
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PRIVATE_KEY, junk, sizeof(junk)),
             SOCK_SECURE_E_CRED_FORMAT);
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PEER_KEY, junk, sizeof(junk)),
             SOCK_SECURE_E_CRED_FORMAT);
    file_t damaged = server_pub;
    damaged.data[40] = '*';
    CHECK_EQ(DRV->cred_check(SOCK_SECURE_CRED_PEER_KEY, damaged.data, damaged.len),
             SOCK_SECURE_E_CRED_FORMAT);
    /* a socket: a bad pinned key is refused at create with the same code */
    tlsman_cred_t bad = { SOCK_SECURE_CRED_PEER_KEY, server_crt.data, server_crt.len };
    dh_reset(false);
    CHECK_EQ(up(&dh_cli, TLSMAN_CLIENT, RPK, NULL, &bad, 1, TLSMAN_VERIFY_REQUIRED, NULL, NULL),
             SOCK_SECURE_E_CRED_TYPE);
    DRV->ctx_free(dh_cli.ctx);
}

/* A server verifying client keys optionally: a key that is sent is checked and reported, the
 * handshake goes on; but tinyDTLS cannot ask for a key without requiring one, so a client that
 * has none fails (handshake_failure), as with required verification. */
static void server_optional_verification_reports_an_unpinned_client_key(void)
{
    srv_verify = TLSMAN_VERIFY_OPTIONAL;
    /* the server pins its own key, not the client's */
    if (rpk_pair(&server_pub, TLSMAN_VERIFY_REQUIRED, &client_key, &server_pub, NULL, NULL)) {
        dh_result_t r = dh_run_handshake(false);
        CHECK_EQ(r.cli, 0);
        CHECK_EQ(r.srv, 0);
        check_info(&dh_srv, RPK, 0, TLSMAN_ALERT_NONE, SOCK_SECURE_VFY_NOT_PINNED);
        exchange();
        dh_pair_down();
    }
    if (rpk_pair(&server_pub, TLSMAN_VERIFY_REQUIRED, &client_key, &client_pub, NULL, NULL)) {
        dh_result_t r = dh_run_handshake(false);
        CHECK_EQ(r.srv, 0);
        check_info(&dh_srv, RPK, 0, TLSMAN_ALERT_NONE, 0);
        dh_pair_down();
    }
    if (rpk_pair(&server_pub, TLSMAN_VERIFY_REQUIRED, NULL, &client_pub, NULL, NULL)) {
        dh_result_t r = dh_run_handshake(false);
        CHECK_EQ(r.cli, SOCK_SECURE_E_HANDSHAKE);
        CHECK_EQ(r.srv, SOCK_SECURE_E_ALERT);
        dh_pair_down();
    }
    srv_verify = TLSMAN_VERIFY_REQUIRED;
}

/* ---- what the stack cannot do, refused at create --------------------------------------------- */

static void stack_limits_are_refused_at_create(void)
{
    dh_reset(false);
    const tlsman_cred_t key = cred(SOCK_SECURE_CRED_PRIVATE_KEY, &server_key);
    const tlsman_cred_t pin = cred(SOCK_SECURE_CRED_PEER_KEY, &client_pub);
    const tlsman_cred_t both[] = { key, pin };
    CHECK_EQ(up(&dh_srv, TLSMAN_SERVER, RPK, NULL, both, 2, TLSMAN_VERIFY_REQUIRED, NULL, NULL), 0);
    DRV->ctx_free(dh_srv.ctx);
    /* PSK keys up to 16 bytes, identities up to DTLS_PSK_MAX_CLIENT_IDENTITY_LEN (64 here) */
    static const uint8_t k17[17] = { 1 }, id64[64] = { 'a' }, id65[65] = { 'a' };
    const sock_secure_psk_t big_key = { (const uint8_t *)"id", 2, k17, sizeof(k17) };
    const sock_secure_psk_t id_ok = { id64, sizeof(id64), k17, 16 };
    const sock_secure_psk_t id_long = { id65, sizeof(id65), k17, 16 };
    CHECK_EQ(up(&dh_cli, TLSMAN_CLIENT, PSK, &big_key, NULL, 0, TLSMAN_VERIFY_NONE, NULL, NULL),
             -ENOTSUP);
    CHECK_EQ(up(&dh_cli, TLSMAN_CLIENT, PSK, &id_long, NULL, 0, TLSMAN_VERIFY_NONE, NULL, NULL),
             -ENOTSUP);
    CHECK_EQ(up(&dh_cli, TLSMAN_CLIENT, PSK, &id_ok, NULL, 0, TLSMAN_VERIFY_NONE, NULL, NULL), 0);
    DRV->ctx_free(dh_cli.ctx);
    /* streams: none (the core refuses them first: no TLSMAN_CAP_TLS) */
    CHECK((DRV->caps & TLSMAN_CAP_TLS) == 0 && DRV->flush == NULL);
    const uint16_t s[] = { PSK };
    CHECK_EQ(dh_ctx_up(&dh_cli, TLSMAN_CLIENT, s, 1, &dh_psk_ok, false, 0), -ENOTSUP);
    DRV->ctx_free(dh_cli.ctx);
}

/* ---- cookies and flights ------------------------------------------------------------------------ */

/* The cookie binds the peer id given to session_init, and the socket's secret. */
static void cookie_binds_the_peer_id_and_the_socket(void)
{
    static const uint8_t other_addr[] = { 4, 127, 0, 0, 2, 0x16, 0x34 };
    if (!dh_pair_up_one(PSK, &dh_psk_ok, false, 1280)) {
        return;
    }
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(DRV->handshake(dh_srv.sess), SOCK_SECURE_E_HELLO_VERIFY);
    DRV->session_free(dh_srv.sess);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* ClientHello with the cookie */
    REQUIRE(dh_c2s.count == 1);
    CHECK_EQ(DRV->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, other_addr, sizeof(other_addr)),
             0);
    CHECK_EQ(DRV->handshake(dh_srv.sess), SOCK_SECURE_E_HELLO_VERIFY); /* another address */
    CHECK_EQ(dh_s2c.count, 1);
    CHECK_EQ(dh_s2c.data[dh_s2c.head][HS_TYPE], 3);
    DRV->session_free(dh_srv.sess);
    /* the same hello at a socket with another secret */
    dh_clear(&dh_s2c);
    DRV->timer_expired(dh_cli.sess);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    REQUIRE(dh_c2s.count == 1);
    DRV->ctx_free(dh_srv.ctx);
    const uint16_t s[] = { PSK };
    CHECK_EQ(dh_ctx_up(&dh_srv, TLSMAN_SERVER, s, 1, NULL, true, 1280), 0);
    CHECK_EQ(DRV->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, dh_peer_addr,
                               sizeof(dh_peer_addr)), 0);
    CHECK_EQ(DRV->handshake(dh_srv.sess), SOCK_SECURE_E_HELLO_VERIFY);
    dh_pair_down();
}

/* Count the records of one datagram and return the first one's handshake type (or -1). */
static int records(const uint8_t *d, size_t len, size_t *count)
{
    *count = 0;
    int first = -1;
    for (size_t off = 0; off + REC_HDR <= len;) {
        size_t n = (size_t)d[off + 11] << 8 | d[off + 12];
        if (*count == 0 && d[off] == 22 && n > 0) {
            first = d[off + REC_HDR];
        }
        (*count)++;
        off += REC_HDR + n;
    }
    return first;
}

/* The server's flight (ServerHello, ServerHelloDone) goes out as one datagram; a repeated
 * ClientHello (our flight was lost) makes the server resend that flight - the same ServerHello -
 * instead of starting over, and the handshake completes. */
static void a_flight_is_one_datagram_and_a_repeated_hello_resends_it(void)
{
    if (!dh_pair_up_one(PSK, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_hello_verify();
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* the hello with the cookie */
    REQUIRE(dh_c2s.count == 1);
    uint8_t hello[DH_DGRAM];
    size_t hello_len = dh_c2s.len[dh_c2s.head];
    memcpy(hello, dh_c2s.data[dh_c2s.head], hello_len);
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN);
    REQUIRE(dh_s2c.count == 1);
    size_t n;
    CHECK_EQ(records(dh_s2c.data[dh_s2c.head], dh_s2c.len[dh_s2c.head], &n), 2); /* ServerHello */
    CHECK_EQ(n, 2); /* ... and ServerHelloDone */
    uint8_t first[DH_DGRAM];
    size_t first_len = dh_s2c.len[dh_s2c.head];
    memcpy(first, dh_s2c.data[dh_s2c.head], first_len);
    dh_clear(&dh_s2c); /* lost */
    unsigned starts = dh_srv.timer_starts;
    CHECK(dh_push(&dh_c2s, hello, hello_len)); /* the client repeats its hello */
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN);
    REQUIRE(dh_s2c.count == 1);
    CHECK_EQ(dh_s2c.len[dh_s2c.head], first_len);
    /* the same flight (same server random) with new record sequence numbers */
    CHECK_MEM(dh_s2c.data[dh_s2c.head] + REC_HDR, first + REC_HDR, 2 + 32 + 12);
    CHECK(dh_srv.timer_starts > starts); /* re-armed */
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    dh_pair_down();
}

/* The client's last flight is lost; the server's timer resends its own flight; the client,
 * seeing the server's flight again, resends its last flight at once (RFC 6347 §4.2.4), without
 * waiting for its own timer. */
static void a_repeated_flight_is_answered_at_once(void)
{
    if (!dh_pair_up_one(PSK, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_hello_verify();
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN); /* ServerHello, ServerHelloDone */
    dh_cli.drop_tx = 1;
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* ClientKeyExchange ... Finished: lost */
    CHECK_EQ(dh_c2s.count, 0);
    unsigned sent = dh_cli.sent;
    DRV->timer_expired(dh_srv.sess);
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN);
    CHECK_EQ(dh_s2c.count, 1);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* no timer_expired on the client */
    CHECK_EQ(dh_cli.sent, sent + 1);
    CHECK_EQ(dh_c2s.count, 1);
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    dh_pair_down();
}

/* A server (or anyone who can send from its address) that repeats its HelloVerifyRequest gets
 * one hello at once, not one per copy: answered every time, a hostile server kept the client in
 * a ping-pong at full speed that its timer never ended (each answer restarted it). */
static void a_repeated_flight_is_answered_once_per_flight(void)
{
    if (!dh_pair_up_one(PSK, &dh_psk_ok, false, 1280)) {
        return;
    }
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* ClientHello */
    CHECK_EQ(DRV->handshake(dh_srv.sess), SOCK_SECURE_E_HELLO_VERIFY);
    REQUIRE(dh_s2c.count == 1);
    uint8_t hvr[DH_DGRAM];
    size_t hvr_len = dh_s2c.len[dh_s2c.head];
    memcpy(hvr, dh_s2c.data[dh_s2c.head], hvr_len);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* the hello with the cookie */
    CHECK_EQ(dh_c2s.count, 1);
    unsigned sent = dh_cli.sent, starts = dh_cli.timer_starts;
    for (int i = 0; i < 20; i++) {
        CHECK(dh_push(&dh_s2c, hvr, hvr_len));
        CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    }
    CHECK_EQ(dh_cli.sent, sent + 1); /* the first copy answered at once, the others not */
    CHECK_EQ(dh_cli.timer_starts, starts + 1);
    /* the timer still resends (and, once it has fired, a repeat is answered at once again) */
    DRV->timer_expired(dh_cli.sess);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(dh_cli.sent, sent + 2);
    CHECK(dh_push(&dh_s2c, hvr, hvr_len));
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(dh_cli.sent, sent + 3);
    dh_pair_down();
}

/* A handshake message ahead of the one expected waits in tinyDTLS's reorder queue, one heap
 * block per message sequence number, with no limit of its own: a peer past the cookie exchange
 * sending plaintext messages with sequence numbers far ahead made the server hold up to 65535
 * of them (13 MB of RSS from 20000 datagrams of 1 KB to one ssock server). Only a flight's
 * worth ahead is kept; the handshake still completes. */
static void handshake_messages_far_ahead_are_not_queued(void)
{
    if (!dh_pair_up_one(PSK, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_hello_verify();
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* the hello with the cookie */
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN); /* ServerHello, ServerHelloDone */
    tlsman_tinydtls_heap_t before, after;
    tlsman_tinydtls_heap(&before, 0);
    uint8_t rec[REC_HDR + 12 + 600];
    memset(rec, 0x5a, sizeof(rec));
    rec[0] = 22; /* handshake, DTLS 1.2, epoch 0 */
    rec[1] = 0xfe;
    rec[2] = 0xfd;
    rec[3] = rec[4] = 0;
    rec[11] = (uint8_t)((12 + 600) >> 8);
    rec[12] = (uint8_t)(12 + 600);
    rec[HS_TYPE] = 16; /* ClientKeyExchange */
    rec[HS_TYPE + 1] = rec[HS_TYPE + 9] = 0; /* length, fragment length: 600 */
    rec[HS_TYPE + 2] = rec[HS_TYPE + 10] = (uint8_t)(600 >> 8);
    rec[HS_TYPE + 3] = rec[HS_TYPE + 11] = (uint8_t)600;
    rec[HS_TYPE + 6] = rec[HS_TYPE + 7] = rec[HS_TYPE + 8] = 0; /* fragment offset */
    for (unsigned i = 0; i < 200; i++) {
        unsigned mseq = 10u + i, seq = 100u + i;
        rec[HS_TYPE + 4] = (uint8_t)(mseq >> 8);
        rec[HS_TYPE + 5] = (uint8_t)mseq;
        memset(rec + 5, 0, 6);
        rec[9] = (uint8_t)(seq >> 8);
        rec[10] = (uint8_t)seq;
        CHECK(dh_push(&dh_c2s, rec, sizeof(rec)));
        CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN);
    }
    tlsman_tinydtls_heap(&after, 0);
    CHECK(after.bytes - before.bytes < 8u * 700u); /* 200 messages: 120 KB before the fix */
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    dh_pair_down();
}

/* A plaintext record whose sequence number was damaged on the way (epoch 0 has no MAC) must not
 * make the server drop the client's next plaintext records as too old. */
static void a_damaged_epoch0_sequence_number_does_not_stall_the_handshake(void)
{
    if (!dh_pair_up_one(PSK, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_hello_verify();
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(DRV->handshake(dh_srv.sess), -EAGAIN);
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN); /* the client's last flight */
    REQUIRE(dh_c2s.count == 1);
    uint8_t *d = dh_c2s.data[dh_c2s.head];
    size_t len = dh_c2s.len[dh_c2s.head];
    REQUIRE(len > REC_HDR && d[0] == 22 && d[REC_HDR] == 16); /* ClientKeyExchange first */
    /* split the datagram: the ClientKeyExchange with a sequence number far ahead, then the rest */
    size_t first = REC_HDR + ((size_t)d[11] << 8 | d[12]);
    uint8_t rest[DH_DGRAM];
    memcpy(rest, d + first, len - first);
    dh_c2s.len[dh_c2s.head] = first;
    d[5] ^= 0x80;
    CHECK(dh_push(&dh_c2s, rest, len - first));
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    dh_pair_down();
}

/* A ClientHello without a common suite: the server answers with handshake_failure alone - not
 * the close_notify tinyDTLS sends before it. */
static void a_refused_hello_gets_its_alert_and_no_close_notify(void)
{
    const uint16_t cs[] = { SOCK_SECURE_PSK_AES_128_CCM_8 };
    const uint16_t ss[] = { SOCK_SECURE_PSK_AES_128_CCM };
    if (!dh_pair_up(cs, 1, ss, 1, &dh_psk_ok, false, 1280)) {
        return;
    }
    dh_hello_verify();
    CHECK_EQ(DRV->handshake(dh_cli.sess), -EAGAIN);
    dh_clear(&dh_s2c);
    CHECK_EQ(DRV->handshake(dh_srv.sess), SOCK_SECURE_E_NO_SUITE);
    REQUIRE(dh_s2c.count == 1);
    static const uint8_t alert[] = { 21, 0xfe, 0xfd, 0, 0 };
    CHECK_EQ(dh_s2c.len[dh_s2c.head], 15);
    CHECK_MEM(dh_s2c.data[dh_s2c.head], alert, sizeof(alert));
    CHECK_EQ(dh_s2c.data[dh_s2c.head][13], 2);  /* fatal */
    CHECK_EQ(dh_s2c.data[dh_s2c.head][14], 40); /* handshake_failure */
    CHECK_EQ(DRV->handshake(dh_cli.sess), SOCK_SECURE_E_ALERT);
    dh_pair_down();
}

/* ---- memory ---------------------------------------------------------------------------------- */

/* What tinyDTLS holds on its heap per session: during and after the handshake, each side, and
 * nothing left once the sessions and sockets are freed. */
static void memory_per_session_is_counted_and_all_returned(void)
{
    for (int rpk = 0; rpk < 2; rpk++) {
        tlsman_tinydtls_heap_t h;
        tlsman_tinydtls_heap(&h, 1);
        CHECK_EQ(h.bytes, 0);
        CHECK_EQ(h.blocks, 0);
        bool ok = rpk ? rpk_pair(&server_pub, TLSMAN_VERIFY_REQUIRED, NULL, NULL, NULL, NULL)
                      : dh_pair_up_one(PSK, &dh_psk_ok, false, 1280);
        if (!ok) {
            return;
        }
        tlsman_tinydtls_heap(&h, 1);
        CHECK_EQ(h.bytes, 0); /* sockets and sessions live in the core's areas */
        dh_result_t r = dh_run_handshake(false);
        CHECK_EQ(r.cli, 0);
        CHECK_EQ(r.srv, 0);
        tlsman_tinydtls_heap_t both;
        tlsman_tinydtls_heap(&both, 0);
        DRV->session_free(dh_cli.sess);
        tlsman_tinydtls_heap_t srv;
        tlsman_tinydtls_heap(&srv, 0);
        printf("  %s: tinyDTLS heap, both sessions established: %zu bytes in %zu blocks (server "
               "%zu, client %zu); peak during the handshake %zu; session area %zu, socket %zu\n",
               rpk ? "ECDHE-ECDSA raw keys" : "PSK", both.bytes, both.blocks, srv.bytes,
               both.bytes - srv.bytes, both.peak, DRV->session_size, DRV->ctx_size);
        CHECK(srv.bytes > 0 && srv.bytes < 1024); /* a peer and its keys: a few hundred bytes */
        CHECK(both.peak > both.bytes);            /* the handshake state comes and goes */
        DRV->session_free(dh_srv.sess);
        tlsman_tinydtls_heap(&h, 0);
        CHECK_EQ(h.bytes, 0);
        CHECK_EQ(h.blocks, 0);
        DRV->ctx_free(dh_cli.ctx);
        DRV->ctx_free(dh_srv.ctx);
    }
}

/* The AES tinyDTLS is built with (stack/aes.c unless SS_TINYDTLS_AES=tinydtls) against FIPS-197's
 * examples (Appendix B and C.1); anything but a 128-bit key is refused. Every CCM record of the
 * other tests (and the interop tests with OpenSSL and GnuTLS) goes through it too. */
static void aes_matches_fips197(void)
{
    static const uint8_t key[16] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                     0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f };
    static const uint8_t pt[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                    0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
    static const uint8_t ct[16] = { 0x69, 0xc4, 0xe0, 0xd8, 0x6a, 0x7b, 0x04, 0x30,
                                    0xd8, 0xcd, 0xb7, 0x80, 0x70, 0xb4, 0xc5, 0x5a };
    rijndael_ctx ctx;
    uint8_t out[16];
    CHECK_EQ(rijndael_set_key_enc_only(&ctx, key, 128), 0);
    CHECK_EQ(ctx.Nr, 10);
    rijndael_encrypt(&ctx, pt, out);
    CHECK_MEM(out, ct, sizeof(ct));
    static const uint8_t k2[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                    0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
    static const uint8_t p2[16] = { 0x32, 0x43, 0xf6, 0xa8, 0x88, 0x5a, 0x30, 0x8d,
                                    0x31, 0x31, 0x98, 0xa2, 0xe0, 0x37, 0x07, 0x34 };
    static const uint8_t c2[16] = { 0x39, 0x25, 0x84, 0x1d, 0x02, 0xdc, 0x09, 0xfb,
                                    0xdc, 0x11, 0x85, 0x97, 0x19, 0x6a, 0x0b, 0x32 };
    CHECK_EQ(rijndael_set_key_enc_only(&ctx, k2, 128), 0);
    rijndael_encrypt(&ctx, p2, out); /* FIPS-197 Appendix B */
    CHECK_MEM(out, c2, sizeof(c2));
    CHECK(rijndael_set_key_enc_only(&ctx, k2, 256) < 0); /* AES_MAXROUNDS 10: AES-128 only */
}

/* The tinyDTLS-specific parts of the driver table (the common ones: tests/conformance/). */
static void driver_table_is_complete(void)
{
    CHECK(strcmp(DRV->name, "tinydtls") == 0);
    CHECK(DRV->version != NULL && strlen(DRV->version) > 0);
    CHECK_EQ(DRV->caps, TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK | TLSMAN_CAP_PSK_HINT | TLSMAN_CAP_RPK |
                            TLSMAN_CAP_PSK_PER_SESSION | TLSMAN_CAP_CLIENT_SERVER |
                            TLSMAN_CAP_PSK_FOR_HINT);
    CHECK(DRV->set_psk != NULL); /* psk_select (tests/conformance/test_client_server.c) */
    /* tinyDTLS checks its cookies itself: the core's probe, not cookie_write/check */
    CHECK(DRV->cookie_write == NULL && DRV->cookie_check == NULL);
    CHECK(DRV->set_server_name == NULL && DRV->set_peer_ip != NULL && DRV->renew == NULL);
    CHECK(sock_secure_suite_supported(DRV->name, PSK, true));
    CHECK(sock_secure_suite_supported(DRV->name, SOCK_SECURE_PSK_AES_128_CCM, true));
    CHECK(sock_secure_suite_supported(DRV->name, RPK, true));
    CHECK(!sock_secure_suite_supported(DRV->name, PSK, false));
    CHECK(!sock_secure_suite_supported(DRV->name, SOCK_SECURE_PSK_AES_128_GCM_SHA256, true));
}

#endif /* SS_HAVE_TINYDTLS */

int main(int argc, char **argv)
{
#ifndef SS_HAVE_TINYDTLS
    (void)argc;
    (void)argv;
    tu_skip("the tinyDTLS driver is not part of this build (cmake -DSS_TINYDTLS_DIR=...)");
#else
    if (tu_pki_init(argc, argv) == NULL) {
        tu_skip("no test PKI (SS_PKI_DIR): run through ctest");
    }
    if (!load(&server_key, "server.key") || !load(&server_key_der, "server.key.der") ||
        !load(&server_p8, "server.p8.key") || !load(&server_p8_der, "server.p8.der") ||
        !load(&server_pub, "server.pub") || !load(&client_key, "client.key") ||
        !load(&client_pub, "client.pub") || !load(&server_crt, "server.crt") ||
        !load(&rsa_key, "rsa.key") || !load(&p384_key, "p384.key")) {
        return 1;
    }
    CHECK_EQ(sock_secure_init(), 0);
    dh_use(DRV);
    RUN(driver_table_is_complete);
    RUN(aes_matches_fips197);
    RUN(pinned_server_key_is_accepted);
    RUN(unpinned_server_key_fails_with_certificate_unknown);
    RUN(optional_verification_reports_an_unpinned_key_and_goes_on);
    RUN(verify_callback_sees_the_key_as_spki_and_can_refuse);
    RUN(mutual_authentication_with_raw_keys);
    RUN(a_key_without_its_public_half_works);
    RUN(credentials_are_checked_by_kind_and_curve);
    RUN(server_optional_verification_reports_an_unpinned_client_key);
    RUN(stack_limits_are_refused_at_create);
    RUN(cookie_binds_the_peer_id_and_the_socket);
    RUN(a_flight_is_one_datagram_and_a_repeated_hello_resends_it);
    RUN(a_repeated_flight_is_answered_at_once);
    RUN(a_repeated_flight_is_answered_once_per_flight);
    RUN(handshake_messages_far_ahead_are_not_queued);
    RUN(a_damaged_epoch0_sequence_number_does_not_stall_the_handshake);
    RUN(a_refused_hello_gets_its_alert_and_no_close_notify);
    RUN(memory_per_session_is_counted_and_all_returned);
    return tu_exit();
#endif
}
