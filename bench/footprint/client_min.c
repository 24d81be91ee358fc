/*
 * The smallest useful DTLS PSK client on secure_sock, for the Cortex-M4 footprint
 * (bench/footprint.sh): linked with --gc-sections against libsecure_sock_core.a, the linker map
 * tells how many bytes of our library a client-only PSK firmware actually carries.
 *
 * The (D)TLS stack and the network are stubs here (a port supplies real ones: mbedTLS for
 * Cortex-M and the RTOS's UDP sock), so only our code is counted; their sizes are not ours.
 * Never run.
 */
#include <secure_sock/sock_secure.h>
#include <secure_sock/tlsman.h>

/* ---- stub stack (stands for the real driver, e.g. src/tlsman/mbedtls/) ----------------------- */
static bool st_suite(const tlsman_suite_t *s, bool d) { return s->kx == TLSMAN_KX_PSK && d; }
static int st_ctx_init(void *c, const tlsman_config_t *cfg) { return c && cfg ? 0 : -EINVAL; }
static void st_ctx_free(void *c) { (void)c; }
static int st_sess_init(void *c, void *s, void *io, const uint8_t *id, size_t n)
{
    (void)c; (void)s; (void)io; (void)id; (void)n;
    return 0;
}
static void st_sess_free(void *s) { (void)s; }
static int st_handshake(void *s) { (void)s; return -EAGAIN; }
static void st_timer(void *s) { (void)s; }
static int st_read(void *s, uint8_t *b, size_t n) { (void)s; (void)b; (void)n; return -EAGAIN; }
static bool st_pending(void *s) { (void)s; return false; }
static int st_write(void *s, const uint8_t *b, size_t n) { (void)s; (void)b; return (int)n; }
static int st_close(void *s) { (void)s; return 0; }
static int st_info(void *s, tlsman_info_t *i) { (void)s; (void)i; return 0; }
static size_t st_max(void *s) { (void)s; return 1024; }

static const tlsman_driver_t stub = {
    .name = "stub", .version = "0", .caps = TLSMAN_CAP_DTLS | TLSMAN_CAP_PSK,
    .ctx_size = 8, .session_size = 8,
    .suite_supported = st_suite, .ctx_init = st_ctx_init, .ctx_free = st_ctx_free,
    .session_init = st_sess_init, .session_free = st_sess_free, .handshake = st_handshake,
    .timer_expired = st_timer, .read = st_read, .pending = st_pending, .write = st_write,
    .close_notify = st_close, .info = st_info, .max_payload = st_max,
};

/* ---- stub transport (stands for the RTOS's UDP sock) ------------------------------------------ */
static int t_recv(sock_secure_transport_t *s, void *b, size_t n, sock_secure_ep_t *r) { (void)s; (void)b; (void)n; (void)r; return -EAGAIN; }
static int t_send(sock_secure_transport_t *s, const void *b, size_t n, const sock_secure_ep_t *r) { (void)s; (void)b; (void)r; return (int)n; }
static int t_wait(sock_secure_transport_t *s, uint32_t t) { (void)s; (void)t; return 0; }
static int t_local(sock_secure_transport_t *s, sock_secure_ep_t *l) { (void)s; (void)l; return 0; }
static void t_close(sock_secure_transport_t *s) { (void)s; }
static const sock_secure_transport_ops_t t_ops = {
    .recv = t_recv, .send = t_send, .wait = t_wait, .local = t_local, .close = t_close,
    .peek = t_recv, /* (a client-only build without a receive buffer reads through peek) */
};

/* the port's clock */
static volatile uint64_t ticks;
uint64_t sock_secure_platform_now_ms(void *arg) { (void)arg; return ticks; }

static const uint8_t key[16] = { 1 };
static const sock_secure_psk_t psk = { (const uint8_t *)"dev1", 4, key, sizeof key };
static sock_secure_session_t slots[1];
static sock_secure_t sock;
static sock_secure_transport_t net = { &t_ops, SOCK_SECURE_TRANSPORT_DATAGRAM };
volatile const char *last_error;

int main(void)
{
    sock_secure_config_t cfg;
    sock_secure_session_t *s = NULL;
    sock_secure_ep_t server = { SOCK_SECURE_AF_INET, 5684, 0, { 192, 0, 2, 1 } };
    char buf[64];
    int rc;

    if ((rc = sock_secure_register(&stub)) < 0) {
        return 1;
    }
    sock_secure_config_init(&cfg);
    cfg.transport = &net;
    cfg.sessions = slots;
    cfg.session_count = 1;
    cfg.psk = &psk;
    cfg.psk_count = 1;
    if ((rc = sock_secure_create(&sock, &cfg)) == 0 &&
        (rc = sock_secure_connect(&sock, &server, &s, 10000)) == 0 &&
        (rc = sock_secure_session_send(s, "hello", 5)) == 5) {
        rc = sock_secure_session_recv(s, buf, sizeof buf, 2000);
    }
#ifndef FOOTPRINT_NO_STRERROR
    if (rc < 0) {
        last_error = sock_secure_strerror(rc); /* errors say why (the message table is ~1.5 KB) */
    }
#endif
    (void)sock_secure_process(&sock);
    (void)sock_secure_next_timeout(&sock);
    if (s != NULL) {
        (void)sock_secure_session_close(s);
    }
    sock_secure_close(&sock);
    return rc < 0;
}
