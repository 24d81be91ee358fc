/**
 * @file sock_secure_riot_tcp.c
 * @brief secure_sock transport over RIOT's sock_tcp (see sock_secure_riot_tcp.h).
 *
 * It keeps the contract of the POSIX TCP transport (src/transport/sock_tcp.c), with the same
 * slot life cycle and the same order of work in `recv`:
 * - slot i is the bookkeeping of the caller's sock_tcp_t i: FREE, OPEN or FAILED (ended; the slot
 *   keeps the peer and the code until `recv` reports them, then disconnects the sock and frees
 *   the slot: a server's sock then listens again). A server's slot is taken when sock_tcp_accept()
 *   hands out its sock, a client's when `connect` opens it.
 * - `recv` never blocks and does, in this order: (1) report one FAILED connection; (2) report a
 *   connection that `wait` accepted (0 bytes, its peer in @p remote); then, taking turns as the
 *   POSIX transport does, (3) accept ONE connection (sock_tcp_accept, timeout 0) and report it,
 *   or (4) read the connections round robin from `next` (sock_tcp_read, timeout 0; a byte that
 *   `wait` read comes first) and return the first bytes found. An orderly end of stream is
 *   -EPIPE, a failure sock_tcp's code (-ECONNRESET, -ECONNABORTED, -ENOTCONN...), with @p remote
 *   set. Nothing anywhere: -EAGAIN.
 * - `wait`: see the header (blocking sock_tcp calls, one or in slices, never a polling loop).
 * - sock_tcp timeouts: the sock API documents microseconds, GNRC's implementation passes the value
 *   on to gnrc_tcp as milliseconds (lwIP divides by 1000): tcp_timeout() gives each what it uses.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "modules.h"
#include "ztimer.h"

#include "sock_secure_riot_tcp.h"

/** Slot states (sock_secure_riot_tcp_conn_t.state). Zeroed storage is FREE. */
enum {
    TCP_FREE = 0,
    TCP_OPEN,
    TCP_FAILED,
};

/* ---- slots ---------------------------------------------------------------------------------- */

static bool tcp_is_closed(const sock_secure_riot_tcp_t *t)
{
    return t->conns == NULL;
}

/* The timeout argument of sock_tcp_read/accept for @p ms milliseconds (UINT32_MAX: none). */
static uint32_t tcp_timeout(uint32_t ms)
{
    if (ms == UINT32_MAX) {
        return SOCK_NO_TIMEOUT;
    }
#if IS_USED(MODULE_GNRC_SOCK_TCP)
    return ms; /* gnrc_sock_tcp hands it to gnrc_tcp, which counts milliseconds */
#else
    return ms >= (UINT32_MAX - 1u) / 1000u ? UINT32_MAX - 1u : ms * 1000u;
#endif
}

static bool tcp_no_data(ssize_t rc)
{
    return rc == -EAGAIN || rc == -ETIMEDOUT;
}

/* The connection ended with @p code (negative): keep peer and code for recv. */
static void tcp_slot_fail(sock_secure_riot_tcp_conn_t *c, int code)
{
    c->state = TCP_FAILED;
    c->fresh = 0;
    c->held = 0;
    c->err = code < 0 ? code : -EIO;
}

/* Close slot @p i's sock (a server's listens again) and free the slot. */
static void tcp_slot_release(sock_secure_riot_tcp_t *t, size_t i)
{
    sock_tcp_disconnect(&t->socks[i]);
    memset(&t->conns[i], 0, sizeof(t->conns[i]));
}

/* Report slot @p i's end (its code, its peer) and release it. */
static int tcp_slot_report(sock_secure_riot_tcp_t *t, size_t i, sock_secure_ep_t *remote)
{
    int code = t->conns[i].err;

    if (remote != NULL) {
        *remote = t->conns[i].remote;
    }
    tcp_slot_release(t, i);
    return code;
}

/* Report a connection just accepted: 0 bytes, its peer in @p remote. */
static int tcp_report_new(sock_secure_riot_tcp_conn_t *c, sock_secure_ep_t *remote)
{
    c->fresh = 0;
    if (remote != NULL) {
        *remote = c->remote;
    }
    return 0;
}

/* The slot (OPEN or FAILED) of the connection to @p remote, or conn_count. */
static size_t tcp_find(const sock_secure_riot_tcp_t *t, const sock_secure_ep_t *remote)
{
    for (size_t i = 0; i < t->conn_count; i++) {
        if (t->conns[i].state != TCP_FREE && sock_secure_ep_equal(&t->conns[i].remote, remote)) {
            return i;
        }
    }
    return t->conn_count;
}

static bool tcp_has_free(const sock_secure_riot_tcp_t *t)
{
    for (size_t i = 0; i < t->conn_count; i++) {
        if (t->conns[i].state == TCP_FREE) {
            return true;
        }
    }
    return false;
}

/* Accept one connection, waiting up to @p ms: its slot index, or conn_count (none, or an
 * error in *rc). */
static size_t tcp_accept_one(sock_secure_riot_tcp_t *t, uint32_t ms, int *rc)
{
    sock_tcp_t *sock = NULL;
    sock_tcp_ep_t ep;

    *rc = 0;
    if (!t->listening || !tcp_has_free(t)) {
        return t->conn_count;
    }
    int r = sock_tcp_accept(&t->queue, &sock, tcp_timeout(ms));
    if (r < 0 || sock == NULL) {
        /* -EAGAIN, -ETIMEDOUT: none came; -ENOMEM: every sock is taken */
        *rc = (r == -EAGAIN || r == -ETIMEDOUT || r == -ENOMEM) ? 0 : r;
        return t->conn_count;
    }
    size_t i = (size_t)(sock - t->socks);
    if (sock < t->socks || i >= t->conn_count || t->conns[i].state != TCP_FREE) {
        sock_tcp_disconnect(sock); /* not one of ours to hand out: cannot happen */
        return t->conn_count;
    }
    sock_secure_riot_tcp_conn_t *c = &t->conns[i];
    memset(c, 0, sizeof(*c));
    c->state = TCP_OPEN;
    if (sock_tcp_get_remote(sock, &ep) < 0 || sock_secure_riot_ep_from_sock(&c->remote, &ep) < 0) {
        c->remote.family = SOCK_SECURE_AF_UNSPEC;
    }
    t->accepted++;
    return i;
}

/* Step (4) of recv: the next bytes (or end) of a connection, round robin; -EAGAIN if none. */
static int tcp_read_next(sock_secure_riot_tcp_t *t, uint8_t *buf, size_t len,
                         sock_secure_ep_t *remote)
{
    size_t n = t->conn_count;

    for (size_t k = 0; k < n; k++) {
        size_t i = (t->next + k) % n;
        sock_secure_riot_tcp_conn_t *c = &t->conns[i];
        size_t got = 0;

        if (c->state != TCP_OPEN || c->paused) {
            continue;
        }
        if (c->held) {
            buf[got++] = c->byte;
            c->held = 0;
        }
        if (got < len) {
            ssize_t r = sock_tcp_read(&t->socks[i], buf + got, len - got, 0);
            if (r > 0) {
                got += (size_t)r;
            }
            else if (got == 0 && !tcp_no_data(r)) {
                /* 0: the peer's orderly end of stream; an error ends it too (with bytes already
                 * taken, the next read finds the end again) */
                tcp_slot_fail(c, r == 0 ? -EPIPE : (int)r);
                t->next = (i + 1) % n;
                return tcp_slot_report(t, i, remote);
            }
        }
        if (got > 0) {
            t->next = (i + 1) % n;
            if (remote != NULL) {
                *remote = c->remote;
            }
            return (int)got;
        }
    }
    return -EAGAIN;
}

/* ---- ops ------------------------------------------------------------------------------------ */

static int tcp_recv(sock_secure_transport_t *sock, void *buf, size_t len, sock_secure_ep_t *remote)
{
    sock_secure_riot_tcp_t *t = (sock_secure_riot_tcp_t *)sock;
    bool accept_first;
    size_t i;
    int rc;

    if (tcp_is_closed(t)) {
        return -EBADF;
    }
    if (buf == NULL || len == 0) {
        return -EINVAL;
    }
    if (len > INT_MAX) {
        len = INT_MAX;
    }
    for (i = 0; i < t->conn_count; i++) {
        if (t->conns[i].state == TCP_FAILED) {
            return tcp_slot_report(t, i, remote);
        }
    }
    for (i = 0; i < t->conn_count; i++) {
        if (t->conns[i].state == TCP_OPEN && t->conns[i].fresh) {
            return tcp_report_new(&t->conns[i], remote);
        }
    }
    accept_first = t->accept_turn != 0;
    if (accept_first && (i = tcp_accept_one(t, 0, &rc)) < t->conn_count) {
        t->accept_turn = 0;
        return tcp_report_new(&t->conns[i], remote);
    }
    rc = tcp_read_next(t, buf, len, remote);
    if (rc != -EAGAIN) {
        t->accept_turn = 1;
        return rc;
    }
    if (!accept_first && (i = tcp_accept_one(t, 0, &rc)) < t->conn_count) {
        return tcp_report_new(&t->conns[i], remote);
    }
    return -EAGAIN;
}

static int tcp_send(sock_secure_transport_t *sock, const void *buf, size_t len,
                    const sock_secure_ep_t *remote)
{
    sock_secure_riot_tcp_t *t = (sock_secure_riot_tcp_t *)sock;

    if (tcp_is_closed(t)) {
        return -EBADF;
    }
    if (remote == NULL || (buf == NULL && len > 0)) {
        return -EINVAL;
    }
    size_t i = tcp_find(t, remote);
    if (i == t->conn_count) {
        return -ENOTCONN;
    }
    sock_secure_riot_tcp_conn_t *c = &t->conns[i];
    if (c->state == TCP_FAILED) {
        return c->err; /* recv still reports it */
    }
    if (len == 0) {
        return 0;
    }
    if (len > INT_MAX) {
        len = INT_MAX; /* a partial write: the caller sends the rest */
    }
    /* blocks until the peer acknowledged it (GNRC), at most the connection timeout */
    ssize_t n = sock_tcp_write(&t->socks[i], buf, len);
    if (n >= 0) {
        return (int)n;
    }
    tcp_slot_fail(c, (int)n);
    return (int)n;
}

/* Wait up to @p ms for item @p k (a slot, or conn_count: the listener). 1: something to do
 * (a connection accepted, a byte held, an end to report), 0: nothing, negative: failure. */
static int tcp_wait_one(sock_secure_riot_tcp_t *t, size_t k, uint32_t ms)
{
    int rc;

    if (k == t->conn_count) {
        size_t i = tcp_accept_one(t, ms, &rc);
        if (i == t->conn_count) {
            return rc;
        }
        t->conns[i].fresh = 1; /* recv reports it */
        return 1;
    }
    sock_secure_riot_tcp_conn_t *c = &t->conns[k];
    ssize_t r = sock_tcp_read(&t->socks[k], &c->byte, 1, tcp_timeout(ms));
    if (r == 1) {
        c->held = 1;
        return 1;
    }
    if (tcp_no_data(r)) {
        return 0;
    }
    tcp_slot_fail(c, r == 0 ? -EPIPE : (int)r);
    return 1;
}

/* Whether `wait` waits for item @p k (a slot, or conn_count: the listener). */
static bool tcp_waits_for(const sock_secure_riot_tcp_t *t, size_t k)
{
    if (k == t->conn_count) {
        return t->listening && tcp_has_free(t);
    }
    return t->conns[k].state == TCP_OPEN && !t->conns[k].paused;
}

static int tcp_wait(sock_secure_transport_t *sock, uint32_t timeout_ms)
{
    sock_secure_riot_tcp_t *t = (sock_secure_riot_tcp_t *)sock;
    size_t n, items = 0, only = 0;

    if (tcp_is_closed(t)) {
        return -EBADF;
    }
    n = t->conn_count;
    for (size_t i = 0; i < n; i++) {
        const sock_secure_riot_tcp_conn_t *c = &t->conns[i];
        if (c->state == TCP_FAILED || (c->state == TCP_OPEN && (c->fresh || c->held))) {
            return 1; /* an end or a connection to report, or a byte to return */
        }
    }
    for (size_t k = 0; k <= n; k++) {
        if (tcp_waits_for(t, k)) {
            items++;
            only = k;
        }
    }
    if (items == 0) {
        if (timeout_ms == UINT32_MAX) {
            return -ENOTCONN; /* nothing could ever wake us */
        }
        if (timeout_ms > 0) {
            ztimer_sleep(ZTIMER_MSEC, timeout_ms);
        }
        return 0;
    }
    if (items == 1) {
        return tcp_wait_one(t, only, timeout_ms); /* one blocking call for the whole time */
    }
    /* several: block in each in turn for a slice (sock_tcp cannot wait for several at once) */
    uint32_t start = ztimer_now(ZTIMER_MSEC);
    for (;;) {
        for (size_t j = 0; j <= n; j++) {
            size_t k = (t->next + j) % (n + 1);
            if (!tcp_waits_for(t, k)) {
                continue;
            }
            uint32_t slice = CONFIG_SOCK_SECURE_RIOT_TCP_SLICE_MS;
            if (timeout_ms != UINT32_MAX) {
                uint32_t spent = ztimer_now(ZTIMER_MSEC) - start;
                uint32_t left = spent >= timeout_ms ? 0 : timeout_ms - spent;
                slice = left < slice ? left : slice;
            }
            int rc = tcp_wait_one(t, k, slice);
            if (rc != 0) {
                return rc;
            }
        }
        if (timeout_ms != UINT32_MAX && ztimer_now(ZTIMER_MSEC) - start >= timeout_ms) {
            return 0;
        }
    }
}

static int tcp_local(sock_secure_transport_t *sock, sock_secure_ep_t *local)
{
    sock_secure_riot_tcp_t *t = (sock_secure_riot_tcp_t *)sock;
    sock_tcp_ep_t ep;
    int rc = -ENOTCONN;

    if (tcp_is_closed(t)) {
        return -EBADF;
    }
    if (local == NULL) {
        return -EINVAL;
    }
    if (t->listening) {
        rc = sock_tcp_queue_get_local(&t->queue, &ep);
    }
    for (size_t i = 0; !t->listening && rc < 0 && i < t->conn_count; i++) {
        if (t->conns[i].state == TCP_OPEN) {
            rc = sock_tcp_get_local(&t->socks[i], &ep); /* a client: its first connection */
        }
    }
    return rc < 0 ? rc : sock_secure_riot_ep_from_sock(local, &ep);
}

static void tcp_close(sock_secure_transport_t *sock)
{
    sock_secure_riot_tcp_t *t = (sock_secure_riot_tcp_t *)sock;

    if (tcp_is_closed(t)) {
        return;
    }
    for (size_t i = 0; i < t->conn_count; i++) {
        if (t->conns[i].state != TCP_FREE) {
            tcp_slot_release(t, i);
        }
    }
    if (t->listening) {
        sock_tcp_stop_listen(&t->queue);
        t->listening = 0;
    }
    t->conns = NULL;
    t->socks = NULL;
    t->conn_count = 0;
    t->next = 0;
}

static int tcp_connect(sock_secure_transport_t *sock, const sock_secure_ep_t *remote)
{
    sock_secure_riot_tcp_t *t = (sock_secure_riot_tcp_t *)sock;
    sock_tcp_ep_t ep;
    size_t i;

    if (tcp_is_closed(t)) {
        return -EBADF;
    }
    if (remote == NULL || remote->port == 0 ||
        (remote->family != SOCK_SECURE_AF_INET && remote->family != SOCK_SECURE_AF_INET6)) {
        return -EINVAL;
    }
    if (t->listening) {
        return -EOPNOTSUPP; /* a server's socks belong to its listening queue */
    }
    while ((i = tcp_find(t, remote)) < t->conn_count) {
        if (t->conns[i].state != TCP_FAILED) {
            return -EALREADY;
        }
        tcp_slot_release(t, i); /* a stale end: the new connection supersedes its report */
    }
    for (i = 0; i < t->conn_count && t->conns[i].state != TCP_FREE; i++) {
    }
    if (i == t->conn_count) {
        return -ENOMEM;
    }
    int rc = sock_secure_riot_ep_to_sock(&ep, remote);
    if (rc < 0) {
        return rc;
    }
    /* blocks until established or failed (GNRC: at most its connection timeout) */
    rc = sock_tcp_connect(&t->socks[i], &ep, 0, 0);
    if (rc < 0) {
        return rc;
    }
    memset(&t->conns[i], 0, sizeof(t->conns[i]));
    t->conns[i].state = TCP_OPEN;
    t->conns[i].remote = *remote;
    return 0;
}

static void tcp_disconnect(sock_secure_transport_t *sock, const sock_secure_ep_t *remote)
{
    sock_secure_riot_tcp_t *t = (sock_secure_riot_tcp_t *)sock;
    size_t i;

    if (tcp_is_closed(t) || remote == NULL) {
        return;
    }
    while ((i = tcp_find(t, remote)) < t->conn_count) {
        tcp_slot_release(t, i);
    }
}

static void tcp_pause(sock_secure_transport_t *sock, const sock_secure_ep_t *remote, bool paused)
{
    sock_secure_riot_tcp_t *t = (sock_secure_riot_tcp_t *)sock;
    size_t i;

    if (!tcp_is_closed(t) && remote != NULL && (i = tcp_find(t, remote)) < t->conn_count) {
        t->conns[i].paused = paused ? 1 : 0;
    }
}

static const sock_secure_transport_ops_t sock_secure_riot_tcp_ops = {
    .recv = tcp_recv,
    .send = tcp_send,
    .wait = tcp_wait,
    .local = tcp_local,
    .close = tcp_close,
    .connect = tcp_connect,
    .disconnect = tcp_disconnect,
    .pause = tcp_pause,
};

/* ---- open ----------------------------------------------------------------------------------- */

/* A closed transport (every op -EBADF, close safe): what a failed listen/open leaves. Returns
 * whether the slots are usable. */
static bool tcp_init(sock_secure_riot_tcp_t *t, sock_tcp_t *socks,
                     sock_secure_riot_tcp_conn_t *conns, size_t conn_count)
{
    memset(t, 0, sizeof(*t));
    t->base.ops = &sock_secure_riot_tcp_ops;
    t->base.flags = SOCK_SECURE_TRANSPORT_STREAM;
    return socks != NULL && conns != NULL && conn_count > 0 && conn_count <= UINT_MAX;
}

static void tcp_attach(sock_secure_riot_tcp_t *t, sock_tcp_t *socks,
                       sock_secure_riot_tcp_conn_t *conns, size_t conn_count)
{
    memset(conns, 0, conn_count * sizeof(*conns));
    t->socks = socks;
    t->conns = conns;
    t->conn_count = conn_count;
}

int sock_secure_riot_tcp_listen(sock_secure_riot_tcp_t *t, const sock_secure_ep_t *local,
                                sock_tcp_t *socks, sock_secure_riot_tcp_conn_t *conns,
                                size_t conn_count)
{
    sock_tcp_ep_t ep;

    if (t == NULL) {
        return -EINVAL;
    }
    if (!tcp_init(t, socks, conns, conn_count) || local == NULL || local->port == 0) {
        return -EINVAL;
    }
    int rc = sock_secure_riot_ep_to_sock(&ep, local);
    if (rc < 0) {
        return rc;
    }
    rc = sock_tcp_listen(&t->queue, &ep, socks, (unsigned)conn_count, 0);
    if (rc < 0) {
        return rc;
    }
    tcp_attach(t, socks, conns, conn_count);
    t->listening = 1;
    return 0;
}

int sock_secure_riot_tcp_open(sock_secure_riot_tcp_t *t, sock_tcp_t *socks,
                              sock_secure_riot_tcp_conn_t *conns, size_t conn_count)
{
    if (t == NULL) {
        return -EINVAL;
    }
    if (!tcp_init(t, socks, conns, conn_count)) {
        return -EINVAL;
    }
    tcp_attach(t, socks, conns, conn_count);
    return 0;
}
