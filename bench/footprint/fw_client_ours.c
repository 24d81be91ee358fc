/*
 * Full-image footprint, Cortex-M4 (bench/firmware.sh): a DTLS 1.2 PSK client on secure_sock with
 * our mbedTLS driver (src/tlsman/mbedtls/, with the shared src/tlsman/common.c) and mbedTLS 2.28 built from Debian's source package
 * with bench/footprint/mbedtls_fw_config.h. Its twin on bare mbedTLS is fw_client_bare.c: same
 * steps (seed the RNG, configure PSK, handshake with retransmission timers, send "hello", receive
 * one record, close_notify, free), same stub transport, same stub entropy
 * (fw_entropy_stub.c, NOT random).
 *
 * The transport is a stub standing for the RTOS's UDP socket (its size is not ours, and the bare
 * client has the same stub behind its bio callbacks). Linked with --gc-sections; never run.
 * FW_ECDHE=1 adds certificate verification of the server (ECDHE-ECDSA, one trust anchor).
 * FW_TINYDTLS=1: the same PSK client on our tinyDTLS driver (src/tlsman/tinydtls/) instead; its
 * twin on bare tinyDTLS is fw_client_tinydtls_bare.c.
 */
#include <secure_sock/sock_secure.h>
#include <secure_sock/tlsman.h>

#include "builtin.h" /* tlsman_mbedtls, tlsman_tinydtls (src/tlsman, private) */
#if defined(FW_ECDHE) && FW_ECDHE
#include <secure_sock/creds.h>
#include "fw_ca.h"
#endif

/* ---- stub transport (stands for the RTOS's UDP sock) ------------------------------------------ */
static volatile int rx_len; /* "bytes in the NIC": 0 here; keeps the compiler from folding */
static int t_recv(sock_secure_transport_t *s, void *b, size_t n, sock_secure_ep_t *r) { (void)s; (void)b; (void)n; (void)r; return rx_len ? rx_len : -EAGAIN; }
/* the next datagram's length without taking it (a client-only build reads through it, and the
 * stack's bio callback then takes the datagram with t_recv straight into its buffer) */
static int t_peek(sock_secure_transport_t *s, void *b, size_t n, sock_secure_ep_t *r) { (void)s; (void)b; (void)n; (void)r; return rx_len ? rx_len : -EAGAIN; }
static int t_send(sock_secure_transport_t *s, const void *b, size_t n, const sock_secure_ep_t *r) { (void)s; (void)b; (void)r; return (int)n; }
static int t_wait(sock_secure_transport_t *s, uint32_t t) { (void)s; (void)t; return 0; }
static int t_local(sock_secure_transport_t *s, sock_secure_ep_t *l) { (void)s; (void)l; return 0; }
static void t_close(sock_secure_transport_t *s) { (void)s; }
static const sock_secure_transport_ops_t t_ops = {
    .recv = t_recv, .send = t_send, .wait = t_wait, .local = t_local, .close = t_close,
    .peek = t_peek,
};

/* the port's clock (a SysTick counter) */
static volatile uint64_t ticks;
uint64_t sock_secure_platform_now_ms(void *arg) { (void)arg; return ticks; }

static const uint8_t key[16] = { 1 };
static const sock_secure_psk_t psk = { (const uint8_t *)"dev1", 4, key, sizeof key };
static sock_secure_session_t slots[1];
static sock_secure_t sock;
static sock_secure_transport_t net = { &t_ops, SOCK_SECURE_TRANSPORT_DATAGRAM };

int main(void)
{
    sock_secure_config_t cfg;
    sock_secure_session_t *s = NULL;
    sock_secure_ep_t server = { SOCK_SECURE_AF_INET, 5684, 0, { 192, 0, 2, 1 } };
    char buf[64];
    int rc;

#if defined(FW_TINYDTLS) && FW_TINYDTLS /* the same client on the tinyDTLS driver */
    if ((rc = sock_secure_register(&tlsman_tinydtls)) < 0) {
#else
    if ((rc = sock_secure_register(&tlsman_mbedtls)) < 0) {
#endif
        return 1;
    }
    sock_secure_config_init(&cfg);
    cfg.transport = &net;
    cfg.sessions = slots;
    cfg.session_count = 1;
#if defined(FW_ECDHE) && FW_ECDHE
    static sock_secure_creds_t creds;
    static const uint32_t tags[1] = { 1 };
    static const uint16_t suites[1] = { SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8 };
    sock_secure_creds_init(&creds);
    if (sock_secure_creds_add(&creds, 1, SOCK_SECURE_CRED_CA, fw_ca_der, sizeof fw_ca_der) < 0) {
        return 1;
    }
    cfg.creds = &creds;
    cfg.cred_tags = tags;
    cfg.cred_tag_count = 1;
    cfg.server_name = "server.example";
    cfg.suites = suites;
    cfg.suite_count = 1;
#else
    cfg.psk = &psk;
    cfg.psk_count = 1;
#endif
    if ((rc = sock_secure_create(&sock, &cfg)) == 0 &&
        (rc = sock_secure_connect(&sock, &server, &s, 10000)) == 0 &&
        (rc = sock_secure_session_send(s, "hello", 5)) == 5) {
        rc = sock_secure_session_recv(s, buf, sizeof buf, 2000);
    }
    if (s != NULL) {
        (void)sock_secure_session_close(s);
    }
    sock_secure_close(&sock);
    (void)psk;
    return rc < 0;
}
