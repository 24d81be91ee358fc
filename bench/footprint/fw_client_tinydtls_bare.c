/*
 * Firmware footprint (bench/firmware.sh): the DTLS 1.2 PSK client of fw_client_ours.c written on
 * bare tinyDTLS (dtls_* with its callbacks), against the same tinyDTLS build (PSK only, its
 * logging compiled out, secure_sock's dtls_config.h), the same stub transport and the same stub
 * random source (fw_tinydtls_prng_stub.c, NOT random). Same steps: configure PSK, handshake with
 * retransmissions, send "hello", receive one record, close_notify, free. Linked with
 * --gc-sections; never run.
 */
#include <stdint.h>
#include <string.h>

#include "tinydtls.h"
#include "dtls.h"

/* ---- stub transport (stands for the RTOS's UDP sock) ------------------------------------------ */
static volatile int rx_len; /* "bytes in the NIC": 0 here; keeps the compiler from folding */
static int net_recv(uint8_t *b, size_t n) { (void)b; (void)n; return rx_len; }
static void net_wait(uint32_t ms) { (void)ms; }

/* the port's clock (a SysTick counter) */
static volatile uint32_t ticks;

static const uint8_t key[16] = { 1 };
static int connected, got;
static uint8_t rec[64];

static int send_to_peer(dtls_context_t *ctx, session_t *s, uint8 *buf, size_t len)
{
    (void)ctx; (void)s; (void)buf;
    return (int)len;
}

static int read_from_peer(dtls_context_t *ctx, session_t *s, uint8 *buf, size_t len)
{
    (void)ctx; (void)s;
    if (len <= sizeof rec) {
        memcpy(rec, buf, len);
        got = (int)len;
    }
    return 0;
}

static int on_event(dtls_context_t *ctx, session_t *s, dtls_alert_level_t level,
                    unsigned short code)
{
    (void)ctx; (void)s;
    if (level == 0 && code == DTLS_EVENT_CONNECTED) {
        connected = 1;
    } else if (level == DTLS_ALERT_LEVEL_FATAL) {
        connected = -1;
    }
    return 0;
}

static int get_psk_info(dtls_context_t *ctx, const session_t *s, dtls_credentials_type_t type,
                        const unsigned char *id, size_t id_len, unsigned char *result,
                        size_t result_len)
{
    (void)ctx; (void)s; (void)id; (void)id_len;
    if (type == DTLS_PSK_IDENTITY && result_len >= 4) {
        memcpy(result, "dev1", 4);
        return 4;
    }
    if (type == DTLS_PSK_KEY && result_len >= sizeof key) {
        memcpy(result, key, sizeof key);
        return sizeof key;
    }
    return type == DTLS_PSK_HINT ? 0 : dtls_alert_fatal_create(DTLS_ALERT_INTERNAL_ERROR);
}

static dtls_handler_t cb = {
    .write = send_to_peer, .read = read_from_peer, .event = on_event, .get_psk_info = get_psk_info,
};

/* Feed what the network has, resend what is due; until @p done or @p ms pass. */
static void run(dtls_context_t *ctx, session_t *dst, int *done, uint32_t ms)
{
    static uint8_t buf[1280];
    uint32_t start = ticks;
    while (*done == 0 && ticks - start < ms) {
        int n = net_recv(buf, sizeof buf);
        if (n > 0) {
            dtls_handle_message(ctx, dst, buf, n);
        }
        clock_time_t next;
        dtls_check_retransmit(ctx, &next);
        net_wait(100);
    }
}

int main(void)
{
    session_t dst;
    int rc = 1;

    dtls_init();
    dtls_context_t *ctx = dtls_new_context(NULL);
    if (ctx == NULL) {
        return 1;
    }
    dtls_set_handler(ctx, &cb);
    dtls_session_init(&dst);
    dst.size = sizeof(dst.addr.sin);
    dst.addr.sin.sin_family = AF_INET;
    dst.addr.sin.sin_port = 0x3416; /* 5684 */
    dst.addr.sin.sin_addr.s_addr = 0x010200c0; /* 192.0.2.1 */
    if (dtls_connect(ctx, &dst) >= 0) {
        run(ctx, &dst, &connected, 10000);
        if (connected == 1 && dtls_write(ctx, &dst, (uint8 *)"hello", 5) == 5) {
            run(ctx, &dst, &got, 2000);
            rc = got > 0 ? 0 : 1;
        }
        dtls_close(ctx, &dst);
    }
    dtls_free_context(ctx);
    return rc;
}
