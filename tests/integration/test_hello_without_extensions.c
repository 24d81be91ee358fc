/* A DTLS 1.2 ClientHello with no extensions block at all (RFC 5246 §7.4.1.2 allows it; RFC 6347
 * §4.2.1 changes nothing there), as node-dtls-client sends it, offering the PSK suites
 * TLS_PSK_WITH_AES_128_CCM_8 and TLS_PSK_WITH_CHACHA20_POLY1305_SHA256. The test plays the client
 * byte by byte over the memory link: every backend that can take such a hello must answer it with
 * a HelloVerifyRequest, and the hello repeated with that cookie with a ServerHello.
 *
 * wolfSSL 5.5.x cannot: every DTLS ClientHello, the one with a cookie too, first goes through the
 * stateless cookie parser (src/dtls.c ParseClientHello, run by DoClientHello before anything
 * else), which requires the two-byte extensions length after the compression methods and fails
 * with BUFFER_ERROR; the stack answers with a fatal decode_error alert. No rewrite of the hello can
 * help: the cookie'd hello is part of the Finished transcript on both sides, and the client hashes
 * what it sent. Fixed upstream in July 2023 (wolfSSL pull request 6635, in 5.6.4). On such a
 * stack the test asserts the clean refusal instead: the alert, and no slot, event or report for a
 * peer that proved nothing. */
#include <stdbool.h>

#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "node.h"
#include "testutil.h"

#ifdef SS_HAVE_WOLFSSL
#define WOLFSSL_OPTIONS_IGNORE_SYS
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#endif

static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const sock_secure_psk_t psk = { (const uint8_t *)"id", 2, key, sizeof(key) };

/* The first ClientHello, byte for byte: record header (handshake, DTLS 1.2, epoch 0, sequence 0,
 * length 56), handshake header (client_hello, length 44, message_seq 0, unfragmented), then
 * client_version DTLS 1.2, 32 bytes of random, no session id, an empty cookie, two suites, the
 * null compression method - and nothing after it. */
static const uint8_t hello0[] = {
    0x16, 0xfe, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x38, /* record */
    0x01, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2c,       /* handshake */
    0xfe, 0xfd,                                                                   /* version */
    0x5f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2,
    0xe1, 0xf0, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4,
    0xc3, 0xd2, 0xe1, 0xf0,                                                       /* random */
    0x00,                                                                         /* session id */
    0x00,                                                                         /* cookie */
    0x00, 0x04, 0xc0, 0xa8, 0xcc, 0xab, /* TLS_PSK_WITH_AES_128_CCM_8, _CHACHA20_POLY1305_SHA256 */
    0x01, 0x00,                         /* compression: null */
};
#define HELLO_COOKIE_AT 60u /* offset of the cookie length byte in hello0 */

/* hello0 sent again with @p cookie, record sequence 1 and message_seq 1 (RFC 6347 §4.2.1). */
static size_t hello_with_cookie(const uint8_t *cookie, size_t cookie_len, uint8_t *out)
{
    memcpy(out, hello0, HELLO_COOKIE_AT);
    out[HELLO_COOKIE_AT] = (uint8_t)cookie_len;
    memcpy(out + HELLO_COOKIE_AT + 1, cookie, cookie_len);
    memcpy(out + HELLO_COOKIE_AT + 1 + cookie_len, hello0 + HELLO_COOKIE_AT + 1,
           sizeof(hello0) - HELLO_COOKIE_AT - 1);
    size_t len = sizeof(hello0) + cookie_len;
    size_t body = len - 25;
    out[10] = 1;                      /* record sequence number */
    out[11] = (uint8_t)((body + 12) >> 8);
    out[12] = (uint8_t)(body + 12);   /* record length */
    out[15] = (uint8_t)(body >> 8);
    out[16] = (uint8_t)body;          /* handshake length */
    out[18] = 1;                      /* message_seq */
    out[23] = (uint8_t)(body >> 8);
    out[24] = (uint8_t)body;          /* fragment_length */
    return len;
}

/* Whether backend @p name can take a ClientHello without extensions (see the top comment). */
static bool takes_hello_without_extensions(const char *name)
{
#ifdef SS_HAVE_WOLFSSL
    if (strcmp(name, "wolfssl") == 0) {
        return wolfSSL_lib_version_hex() >= 0x05006004;
    }
#else
    (void)name;
#endif
    return true;
}

static int events;

static void on_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                     int err, void *arg)
{
    (void)sock;
    (void)s;
    (void)ev;
    (void)err;
    (void)arg;
    events++;
}

static tu_node_t srv;
static sock_secure_mem_t cli_mem;
static const sock_secure_ep_t *srv_ep;

static bool server_up(const char *backend)
{
    static sock_secure_ep_t sep, cep;
    sep = tu_ep(TU_SERVER_ADDR);
    cep = tu_ep(TU_CLIENT_ADDR);
    srv_ep = &sep;
    events = 0;
    tu_net_start();
    CHECK_EQ(tu_node_join(&srv, TU_SERVER_ADDR), 0);
    CHECK_EQ(sock_secure_mem_open(&cli_mem, &tu_net, &cep), 0);
    sock_secure_config_t cfg;
    tu_node_config(&srv, &cfg, SOCK_SECURE_SERVER, backend, 4);
    tu_node_psk(&cfg, &psk);
    cfg.event_cb = on_event;
    int rc = tu_node_create(&srv, &cfg);
    CHECK_EQ(rc, 0);
    return rc == 0;
}

static void server_down(void)
{
    tu_node_close(&srv);
    sock_secure_transport_close(&cli_mem.base);
}

/* Send @p d from the client's address and return the server's one answer (0 if none). */
static int exchange(const uint8_t *d, size_t len, uint8_t *answer, size_t max)
{
    CHECK_EQ(sock_secure_transport_send(&cli_mem.base, d, len, srv_ep), (int)len);
    sock_secure_process(&srv.sock);
    int n = sock_secure_transport_recv(&cli_mem.base, answer, max, NULL);
    uint8_t more[1500];
    CHECK_EQ(sock_secure_transport_recv(&cli_mem.base, more, sizeof(more), NULL), -EAGAIN); /* one datagram */
    return n > 0 ? n : 0;
}

/* The answer to the cookie'd hello starts with a ServerHello in a plaintext DTLS 1.2 record:
 * server_version DTLS 1.2, message_seq 1, one of the two suites offered, no compression. */
static void check_server_hello(const uint8_t *a, int n)
{
    REQUIRE(n >= 25 + 38 + 3);
    CHECK_EQ(a[0], 22);                     /* handshake */
    CHECK(a[1] == 0xfe && a[2] == 0xfd);    /* DTLS 1.2 */
    CHECK(a[3] == 0 && a[4] == 0);          /* epoch 0 */
    CHECK_EQ(a[13], 2);                     /* server_hello */
    CHECK(a[17] == 0 && a[18] == 1);        /* message_seq 1, answering ours */
    CHECK(a[25] == 0xfe && a[26] == 0xfd);  /* server_version */
    size_t sid = a[25 + 2 + 32];
    REQUIRE((size_t)n >= 25 + 2 + 32 + 1 + sid + 3);
    const uint8_t *p = a + 25 + 2 + 32 + 1 + sid;
    unsigned suite = (unsigned)(p[0] << 8 | p[1]);
    printf("    ServerHello, suite 0x%04x\n", suite);
    CHECK(suite == 0xc0a8 || suite == 0xccab);
    CHECK_EQ(p[2], 0);                      /* compression: null */
}

static void extensionless_hello_is_answered_on_every_backend(void)
{
    for (size_t b = 0; sock_secure_backend_name(b) != NULL; b++) {
        const char *name = sock_secure_backend_name(b);
        printf("  %s\n", name);
        if (!server_up(name)) {
            continue;
        }
        uint8_t a[1500];
        int n = exchange(hello0, sizeof(hello0), a, sizeof(a));
        sock_secure_stats_t st;
        sock_secure_stats(&srv.sock, &st);
        if (!takes_hello_without_extensions(name)) {
            /* the stack refuses with a fatal decode_error, in a 15-byte plaintext alert... */
            printf("    refused by this %s build (see the top comment): alert %d/%d\n", name,
                   n == 15 ? a[13] : -1, n == 15 ? a[14] : -1);
            static const uint8_t alert[] = { 0x15, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 50 };
            CHECK_EQ(n, (int)sizeof(alert));
            CHECK_MEM(a, alert, sizeof(alert));
            /* ...and the core keeps nothing of a peer that proved nothing */
            CHECK_EQ(st.sessions_handshake, 0);
            CHECK_EQ(st.handshakes_failed, 1);
            CHECK_EQ(events, 0);
            sock_secure_session_t *who = NULL;
            uint8_t buf[8];
            CHECK_EQ(sock_secure_recv_any(&srv.sock, &who, buf, sizeof(buf), 0), -EAGAIN);
            for (size_t i = 0; i < 4; i++) {
                CHECK_EQ(srv.slots[i].state, SOCK_SECURE_ST_FREE);
            }
            /* the same hello with a made-up cookie: refused the same way */
            uint8_t d[400];
            static const uint8_t fake[32] = { 0xaa };
            size_t len = hello_with_cookie(fake, sizeof(fake), d);
            n = exchange(d, len, a, sizeof(a));
            CHECK_EQ(n, (int)sizeof(alert));
            CHECK_EQ(a[13], 2);
            CHECK_EQ(a[14], 50);
            sock_secure_stats(&srv.sock, &st);
            CHECK_EQ(st.sessions_handshake, 0);
            CHECK_EQ(events, 0);
            server_down();
            continue;
        }
        /* a HelloVerifyRequest echoing record sequence 0 and message_seq 0 */
        REQUIRE(n >= 28);
        CHECK_EQ(a[0], 22);
        CHECK_EQ(a[10], 0);
        CHECK_EQ(a[13], 3);
        CHECK(a[17] == 0 && a[18] == 0);
        size_t cookie_len = a[27];
        REQUIRE(cookie_len > 0 && (size_t)n == 28 + cookie_len);
        CHECK(n <= (int)sizeof(hello0)); /* no amplification */
        CHECK_EQ(st.sessions_handshake, 0);
        printf("    HelloVerifyRequest, %zu-byte cookie\n", cookie_len);
        uint8_t d[400];
        size_t len = hello_with_cookie(a + 28, cookie_len, d);
        n = exchange(d, len, a, sizeof(a));
        check_server_hello(a, n);
        sock_secure_stats(&srv.sock, &st);
        CHECK_EQ(st.sessions_handshake, 1); /* the handshake goes on */
        CHECK_EQ(st.handshakes_failed, 0);
        server_down();
    }
}

/* Without a cookie the stack's refusal must not make a spoofer's hellos cost slots or events:
 * 16 of them from 16 addresses, a full table's worth four times over. */
static void extensionless_hellos_from_spoofed_addresses_keep_no_state(void)
{
    for (size_t b = 0; sock_secure_backend_name(b) != NULL; b++) {
        const char *name = sock_secure_backend_name(b);
        if (!server_up(name)) {
            continue;
        }
        for (int i = 0; i < 16; i++) {
            sock_secure_ep_t spoofed = tu_ep("[fd00::66]:1000");
            spoofed.port = (uint16_t)(1000 + i);
            CHECK_EQ(sock_secure_mem_inject(&srv.mem, &spoofed, hello0, sizeof(hello0)),
                     (int)sizeof(hello0));
            sock_secure_process(&srv.sock);
        }
        sock_secure_stats_t st;
        sock_secure_stats(&srv.sock, &st);
        printf("  %s: %u half-open, %u HVR, %u refused, %d events\n", name,
               st.sessions_handshake, st.hello_verify_sent, st.handshakes_failed, events);
        CHECK_EQ(st.sessions_handshake, 0);
        CHECK_EQ(events, 0);
        for (size_t i = 0; i < 4; i++) {
            CHECK_EQ(srv.slots[i].state, SOCK_SECURE_ST_FREE);
        }
        server_down();
    }
}

int main(void)
{
    tu_any_backend();
    RUN(extensionless_hello_is_answered_on_every_backend);
    RUN(extensionless_hellos_from_spoofed_addresses_keep_no_state);
    return tu_exit();
}
