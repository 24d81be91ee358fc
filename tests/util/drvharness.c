#include "drvharness.h"

#include <string.h>

#include "testutil.h"

const tlsman_driver_t *dh_drv;
dh_queue_t dh_c2s, dh_s2c;
dh_peer_t dh_cli, dh_srv;

static const uint8_t dh_id_ok[] = "client-1";
static const uint8_t dh_key_ok[16] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                       0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };
static const uint8_t dh_key_bad[16] = { 0xff, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                        0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };
static const uint8_t dh_id_unknown[] = "nobody";

const uint8_t dh_peer_addr[7] = { 4, 127, 0, 0, 1, 0x16, 0x34 };
const sock_secure_psk_t dh_psk_ok = { dh_id_ok, sizeof(dh_id_ok) - 1, dh_key_ok,
                                      sizeof(dh_key_ok) };
const sock_secure_psk_t dh_psk_wrong_key = { dh_id_ok, sizeof(dh_id_ok) - 1, dh_key_bad,
                                             sizeof(dh_key_bad) };
const sock_secure_psk_t dh_psk_unknown = { dh_id_unknown, sizeof(dh_id_unknown) - 1, dh_key_ok,
                                           sizeof(dh_key_ok) };

void dh_use(const tlsman_driver_t *drv)
{
    dh_drv = drv;
}

/* ---- queues ---------------------------------------------------------------------------------- */

bool dh_push(dh_queue_t *q, const uint8_t *buf, size_t len)
{
    if (q->count == DH_SLOTS || len > DH_DGRAM) {
        return false;
    }
    size_t i = (q->head + q->count) % DH_SLOTS;
    memcpy(q->data[i], buf, len);
    q->len[i] = len;
    q->count++;
    return true;
}

void dh_pop(dh_queue_t *q)
{
    q->head = (q->head + 1) % DH_SLOTS;
    q->count--;
    q->off = 0;
}

void dh_clear(dh_queue_t *q)
{
    q->head = 0;
    q->count = 0;
    q->off = 0;
}

bool dh_merge_first_two(dh_queue_t *q)
{
    uint8_t dgram[DH_DGRAM];
    if (q->count < 2) {
        return false;
    }
    size_t a = q->len[q->head];
    size_t b = q->len[(q->head + 1) % DH_SLOTS];
    if (a + b > DH_DGRAM) {
        return false;
    }
    memcpy(dgram, q->data[q->head], a);
    dh_pop(q);
    memcpy(dgram + a, q->data[q->head], b);
    dh_pop(q);
    /* put it back in front */
    q->head = (q->head + DH_SLOTS - 1) % DH_SLOTS;
    memcpy(q->data[q->head], dgram, a + b);
    q->len[q->head] = a + b;
    q->count++;
    return true;
}

/* ---- the core's side of the memory BIO ------------------------------------------------------- */

static int dh_send(void *ctx, const uint8_t *buf, size_t len)
{
    dh_peer_t *p = ctx;
    if (p->block_tx > 0) {
        p->block_tx--;
        return -EAGAIN;
    }
    p->sent++;
    if (p->first_tx_len == 0 && len <= DH_DGRAM) {
        memcpy(p->first_tx, buf, len);
        p->first_tx_len = len;
    }
    if (len <= DH_DGRAM) {
        memcpy(p->last_tx, buf, len);
        p->last_tx_len = len;
    }
    if (p->drop_tx > 0) {
        p->drop_tx--;
        return (int)len; /* lost on the wire */
    }
    if (!dh_push(p->tx, buf, len)) {
        return -EAGAIN;
    }
    return (int)len;
}

static int dh_recv(void *ctx, uint8_t *buf, size_t len)
{
    dh_peer_t *p = ctx;
    dh_queue_t *q = p->rx;
    if (p->recv_emsgsize) {
        p->recv_emsgsize = false;
        return -EMSGSIZE;
    }
    if (q->count == 0) {
        return -EAGAIN;
    }
    size_t i = q->head;
    if (!p->stream) {
        size_t n = q->len[i];
        if (n > len) {
            dh_pop(q);
            return -EMSGSIZE;
        }
        memcpy(buf, q->data[i], n);
        dh_pop(q);
        return (int)n;
    }
    size_t n = q->len[i] - q->off;
    if (n > len) {
        n = len;
    }
    memcpy(buf, q->data[i] + q->off, n);
    q->off += n;
    if (q->off == q->len[i]) {
        dh_pop(q);
    }
    return (int)n;
}

static void dh_timer(void *ctx, bool run)
{
    dh_peer_t *p = ctx;
    p->timer_on = run;
    if (run) {
        p->timer_starts++;
    } else {
        p->timer_stops++;
    }
}

/* The server's PSK store: one identity. */
static size_t dh_psk(void *ctx, const uint8_t *identity, size_t identity_len, uint8_t *key,
                     size_t key_max)
{
    (void)ctx;
    if (identity_len == dh_psk_ok.identity_len &&
        memcmp(identity, dh_psk_ok.identity, identity_len) == 0 && dh_psk_ok.key_len <= key_max) {
        memcpy(key, dh_psk_ok.key, dh_psk_ok.key_len);
        return dh_psk_ok.key_len;
    }
    return 0;
}

const tlsman_io_t dh_io = { dh_send, dh_recv, dh_timer, dh_psk, NULL, NULL };

/* ---- set-up and handshake driving ------------------------------------------------------------ */

void dh_reset(bool stream)
{
    memset(&dh_c2s, 0, sizeof(dh_c2s));
    memset(&dh_s2c, 0, sizeof(dh_s2c));
    memset(&dh_cli, 0, sizeof(dh_cli));
    memset(&dh_srv, 0, sizeof(dh_srv));
    dh_cli.name = "client";
    dh_cli.rx = &dh_s2c;
    dh_cli.tx = &dh_c2s;
    dh_srv.name = "server";
    dh_srv.rx = &dh_c2s;
    dh_srv.tx = &dh_s2c;
    dh_cli.stream = dh_srv.stream = stream;
}

int dh_ctx_up(dh_peer_t *p, tlsman_role_t role, const uint16_t *suites, size_t n,
              const sock_secure_psk_t *psk, bool datagram, size_t mtu)
{
    const tlsman_suite_t *entries[CONFIG_SOCK_SECURE_MAX_SUITES];
    if (n > CONFIG_SOCK_SECURE_MAX_SUITES || tu_suite_list(suites, n, entries) < 0) {
        return -ENOTSUP; /* as the core: a driver is given table entries only */
    }
    for (size_t i = 0; i < n; i++) {
        if (!dh_drv->suite_supported(entries[i], datagram)) {
            return -ENOTSUP; /* ... and only those its suite_supported() accepted */
        }
    }
    tlsman_config_t cfg = {
        .role = role,
        .datagram = datagram,
        .suites = entries,
        .suite_count = n,
        .psk = psk,
        .psk_hint = NULL,
        .psk_hint_len = 0,
        .mtu = mtu,
        .io = &dh_io,
        .verify = TLSMAN_VERIFY_NONE, /* as the core resolves it: PSK only, no trust anchors */
    };
    return dh_drv->ctx_init(p->ctx, &cfg);
}

bool dh_pair_up(const uint16_t *cli_suites, size_t cli_n, const uint16_t *srv_suites,
                size_t srv_n, const sock_secure_psk_t *cli_psk, bool stream, size_t mtu)
{
    dh_reset(stream);
    int rc = dh_ctx_up(&dh_cli, TLSMAN_CLIENT, cli_suites, cli_n, cli_psk, !stream, mtu);
    CHECK_EQ(rc, 0);
    if (rc != 0) {
        return false;
    }
    rc = dh_ctx_up(&dh_srv, TLSMAN_SERVER, srv_suites, srv_n, NULL, !stream, mtu);
    CHECK_EQ(rc, 0);
    if (rc != 0) {
        dh_drv->ctx_free(dh_cli.ctx);
        return false;
    }
    CHECK_EQ(dh_drv->session_init(dh_cli.ctx, dh_cli.sess, &dh_cli, NULL, 0), 0);
    CHECK_EQ(dh_drv->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, dh_peer_addr,
                                  sizeof(dh_peer_addr)), 0);
    return true;
}

bool dh_pair_up_one(uint16_t suite, const sock_secure_psk_t *cli_psk, bool stream, size_t mtu)
{
    const uint16_t suites[] = { suite };
    return dh_pair_up(suites, 1, suites, 1, cli_psk, stream, mtu);
}

void dh_pair_down(void)
{
    dh_drv->session_free(dh_cli.sess);
    dh_drv->session_free(dh_srv.sess);
    dh_drv->ctx_free(dh_cli.ctx);
    dh_drv->ctx_free(dh_srv.ctx);
}

void dh_srv_renew(void)
{
    dh_drv->session_free(dh_srv.sess);
    CHECK_EQ(dh_drv->session_init(dh_srv.ctx, dh_srv.sess, &dh_srv, dh_peer_addr,
                                  sizeof(dh_peer_addr)), 0);
}

void dh_hello_verify(void)
{
    CHECK_EQ(dh_drv->handshake(dh_cli.sess), -EAGAIN);
    CHECK_EQ(dh_drv->handshake(dh_srv.sess), SOCK_SECURE_E_HELLO_VERIFY);
    dh_srv_renew();
}

dh_result_t dh_run_handshake(bool drop_server_final)
{
    dh_result_t r = { -EAGAIN, -EAGAIN, 0 };
    for (int i = 0; i < 200; i++) {
        if (r.cli == -EAGAIN) {
            r.cli = dh_drv->handshake(dh_cli.sess);
        }
        if (r.srv == -EAGAIN) {
            r.srv = dh_drv->handshake(dh_srv.sess);
            if (r.srv == SOCK_SECURE_E_HELLO_VERIFY) {
                r.hello_verify++;
                dh_srv_renew();
                r.srv = -EAGAIN;
            } else if (r.srv == 0 && drop_server_final) {
                dh_clear(&dh_s2c);
            }
        }
        if (r.cli != -EAGAIN && r.srv != -EAGAIN) {
            break;
        }
        if (dh_c2s.count == 0 && dh_s2c.count == 0) {
            break;
        }
    }
    return r;
}

bool dh_connect_pair(uint16_t suite, size_t mtu)
{
    if (!dh_pair_up_one(suite, &dh_psk_ok, false, mtu)) {
        return false;
    }
    dh_result_t r = dh_run_handshake(false);
    CHECK_EQ(r.cli, 0);
    CHECK_EQ(r.srv, 0);
    return r.cli == 0 && r.srv == 0;
}
