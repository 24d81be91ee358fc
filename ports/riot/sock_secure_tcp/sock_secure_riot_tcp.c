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
 *   POSIX transport does (the same code, stream_turn.h), (3) accept ONE connection (sock_tcp_accept, timeout 0) and report it,
 *   or (4) read the connections round robin from `next` (sock_tcp_read, timeout 0; a byte that
 *   `wait` read comes first) and return the first bytes found. An orderly end of stream is
 *   -EPIPE, a failure sock_tcp's code (-ECONNRESET, -ECONNABORTED, -ENOTCONN...), with @p remote
 *   set. Nothing anywhere: -EAGAIN.
 * - `wait`: see the header (blocking sock_tcp calls, one or in slices, never a polling loop).
 * - A server's sock is GNRC's: when its connection is reset, GNRC puts it back to listening at
 *   once, and it may carry a new connection before the transport noticed the end. So before a
 *   server reads a connection it checks that the sock still has the slot's peer (else the old
 *   connection ended: -ECONNRESET), a release disconnects the sock only if it still has that peer,
 *   and a sock that accept hands out while its slot is not FREE ends the slot's old connection
 *   (-ECONNRESET, reported first) and is reported as new right after (`successor`).
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
#include "../../../src/transport/stream_turn.h" /* recv's order of work (private) */

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

/* Whether slot @p i's sock still carries the connection to the slot's peer (a client's always
 * does; a server's may have been reset and reused by GNRC, see the file comment). */
static bool tcp_same_peer(sock_secure_riot_tcp_t *t, size_t i)
{
    sock_tcp_ep_t ep;
    sock_secure_ep_t now;

    if (!t->listening) {
        return true;
    }
    return sock_tcp_get_remote(&t->socks[i], &ep) == 0 &&
           sock_secure_riot_ep_from_sock(&now, &ep) == 0 &&
           sock_secure_ep_equal(&now, &t->conns[i].remote);
}

/* Slot @p i takes the connection its sock carries now: OPEN, its peer from the sock. */
static void tcp_slot_take(sock_secure_riot_tcp_t *t, size_t i)
{
    sock_secure_riot_tcp_conn_t *c = &t->conns[i];
    sock_tcp_ep_t ep;

    memset(c, 0, sizeof(*c));
    c->state = TCP_OPEN;
    if (sock_tcp_get_remote(&t->socks[i], &ep) < 0 ||
        sock_secure_riot_ep_from_sock(&c->remote, &ep) < 0) {
        c->remote.family = SOCK_SECURE_AF_UNSPEC;
    }
    t->accepted++;
}

/* Close slot @p i's connection (a server's sock listens again) and free the slot; a sock that
 * already carries another connection is left alone (and, if accepted, becomes the slot's). */
static void tcp_slot_release(sock_secure_riot_tcp_t *t, size_t i)
{
    bool successor = t->conns[i].successor != 0;

    if (!successor && tcp_same_peer(t, i)) {
        sock_tcp_disconnect(&t->socks[i]);
    }
    memset(&t->conns[i], 0, sizeof(t->conns[i]));
    if (successor) {
        tcp_slot_take(t, i);
        t->conns[i].fresh = 1; /* recv reports it next */
    }
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

/* Accept one connection, waiting up to @p ms: its slot index, or conn_count (none; *rc is then
 * 0, a failure of sock_tcp_accept, or 1: a slot's end is to be reported first). */
static size_t tcp_accept_one(sock_secure_riot_tcp_t *t, uint32_t ms, int *rc)
{
    sock_tcp_t *sock = NULL;

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
    if (sock < t->socks || i >= t->conn_count) {
        sock_tcp_disconnect(sock); /* not one of ours: cannot happen */
        return t->conn_count;
    }
    if (t->conns[i].state != TCP_FREE) {
        /* GNRC reused the sock of a connection that was reset (see the file comment): that end
         * is reported first, the new connection right after */
        if (t->conns[i].state == TCP_OPEN) {
            tcp_slot_fail(&t->conns[i], -ECONNRESET);
        }
        t->conns[i].successor = 1;
        *rc = 1; /* an end to report */
        return t->conn_count;
    }
    tcp_slot_take(t, i);
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
        bool same = tcp_same_peer(t, i);
        if (!same && !c->held) {
            tcp_slot_fail(c, -ECONNRESET); /* reset; GNRC reused or re-listens its sock */
            t->next = (i + 1) % n;
            return tcp_slot_report(t, i, remote);
        }
        if (c->held) {
            buf[got++] = c->byte; /* the old peer's byte; its end comes with the next read */
            c->held = 0;
        }
        if (same && got < len) {
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

/* The two sources of work of recv (stream_turn.h): accept one connection, read the next bytes. */
static bool tcp_turn_accept(void *ctx, sock_secure_ep_t *remote)
{
    sock_secure_riot_tcp_t *t = ctx;
    int rc;
    size_t i = tcp_accept_one(t, 0, &rc);

    if (i == t->conn_count) {
        return false;
    }
    tcp_report_new(&t->conns[i], remote);
    return true;
}

static int tcp_turn_read(void *ctx, void *buf, size_t len, sock_secure_ep_t *remote)
{
    return tcp_read_next(ctx, buf, len, remote);
}

static const sock_secure__stream_work_t tcp_work = { tcp_turn_accept, tcp_turn_read };

/* ---- ops ------------------------------------------------------------------------------------ */

static int tcp_recv(sock_secure_transport_t *sock, void *buf, size_t len, sock_secure_ep_t *remote)
{
    sock_secure_riot_tcp_t *t = (sock_secure_riot_tcp_t *)sock;
    size_t i;

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
    return sock_secure__stream_turn(&tcp_work, t, &t->accept_turn, buf, len, remote);
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
    if (!tcp_same_peer(t, i)) {
        tcp_slot_fail(c, -ECONNRESET); /* reset; GNRC reused or re-listens its sock */
        return c->err;
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
    if (!tcp_same_peer(t, k)) {
        tcp_slot_fail(c, -ECONNRESET); /* reset; GNRC reused or re-listens its sock */
        return 1;
    }
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
        if (c->state == TCP_FAILED || (c->state == TCP_OPEN && (c->fresh || (c->held && !c->paused)))) {
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
