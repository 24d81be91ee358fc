/*
 * The secure_sock core: session table, demultiplexing, RFC 6347 timers, events and the blocking
 * wrappers. It talks to the (D)TLS stack only through tlsman_driver_t and to the network only
 * through sock_ops_t; it allocates nothing.
 */
#include <string.h>

#include "secure_sock/sock_secure.h"

#include "core.h"

/* Datagrams handled per process() call, so a flood cannot keep it from returning. */
#define SS_PROCESS_BUDGET 64u

/* Keep a function out of its caller's stack frame (ss_probe's session is large). */
#if defined(__GNUC__)
#define SS_NOINLINE __attribute__((noinline))
#else
#define SS_NOINLINE
#endif

/* ---- small helpers ------------------------------------------------------------------------ */

static uint64_t ss_deadline(const sock_secure_t *sk, uint32_t timeout_ms)
{
    if (timeout_ms == 0) {
        return 0; /* do not wait: no need to read the clock */
    }
    return timeout_ms == SOCK_SECURE_NO_TIMEOUT ? UINT64_MAX : ss_now(sk) + timeout_ms;
}

/* ---- session life cycle ------------------------------------------------------------------- */

/* Established: let the stack process input; announce a decrypted record if one is ready. */
/* Streams: stop reading a connection while its record waits for the application (the others
 * go on), and resume when it has been read. */
static void ss_set_unread(sock_secure_t *sk, sock_secure_session_t *s, bool unread)
{
    if (unread) {
        s->flags |= SF_UNREAD;
    } else {
        s->flags &= (uint16_t)~SF_UNREAD;
    }
    if (ss_stream(sk) && sk->cfg.transport->ops->pause != NULL) {
        sk->cfg.transport->ops->pause(sk->cfg.transport, &s->remote, unread);
    }
}

static int ss_read_ready(sock_secure_t *sk, sock_secure_session_t *s)
{
    if (s->flags & SF_UNREAD) {
        return 0; /* the application has not taken the last one yet */
    }
    int rc = sk->drv->read(s->drv, NULL, 0);
    if (sk->drv->pending(s->drv) || (ss_stream(sk) && s->rx != NULL)) {
        s->flags |= SF_PENDING;
    } else {
        s->flags &= (uint16_t)~SF_PENDING;
    }
    if (rc > 0) {
        ss_set_unread(sk, s, true);
        return ss_emit(sk, s, SOCK_SECURE_EV_DATA, 0);
    }
    if (rc == -EAGAIN) {
        return 0;
    }
    if (rc == SOCK_SECURE_E_BAD_RECORD) {
        sk->stats.drop_bad_record++;
        return 0;
    }
    if (rc == SOCK_SECURE_E_PEER_CLOSED && ss_stream(sk)) {
        (void)sk->drv->close_notify(s->drv); /* TLS: answer before the connection goes */
    }
    return sock_secure__fail(sk, s, rc);
}

/* A server session's first hello, refused by a stack that checks cookies itself: had the peer
 * proved its address? Not if the hello carried no cookie, nor if the stack could not decode it
 * (a cookie is checked only in a hello that parses). Then the refusal is no one's: a failure
 * after a valid cookie (say, no common suite) is reported as usual. The hello is still in sk->rx
 * (SF_UNVERIFIED is set only around that first step). */
static bool ss_refused_unproven(sock_secure_t *sk, sock_secure_session_t *s)
{
    ss_client_hello_t ch;
    if (sock_secure__dtls_parse_client_hello(sk->rx, (size_t)s->bytes_in, &ch) < 0 ||
        ch.cookie_len == 0) {
        return true;
    }
    tlsman_info_t ti;
    sk->drv->info(s->drv, &ti);
    return ti.alert_origin == TLSMAN_ALERT_SENT && ti.alert == 50; /* decode_error */
}

/* Advance one session with whatever input it has (a datagram in s->rx, or buffered records). */
int sock_secure__step(sock_secure_t *sk, sock_secure_session_t *s)
{
    if (s->state == SOCK_SECURE_ST_HANDSHAKE) {
        bool fed = s->rx != NULL;
        uint32_t out = s->dgrams_out;
        int rc = sk->drv->handshake(s->drv);
        if (ss_server(sk) && ss_stream(sk) && fed && s->dgrams_out != out) {
            /* TLS has no retransmission: output in answer to input means the stack took the
             * peer's next flight (bytes of an unfinished message produce none) */
            ss_note_progress(s, ss_now(sk));
        }
        if (rc == -EAGAIN) {
            return 0;
        }
        if (rc == SOCK_SECURE_E_HELLO_VERIFY) {
            sk->stats.hello_verify_sent++;
            sock_secure__release(sk, s);
            return 0;
        }
        if (rc < 0 && (s->flags & SF_UNVERIFIED) && ss_refused_unproven(sk, s)) {
            /* the stack answered with its alert; a peer that proved nothing gets no slot and no
             * event, so a spoofer cannot make the application blame an address */
            sk->stats.handshakes_failed++;
            sock_secure__release(sk, s);
            return 0;
        }
        if (rc < 0) {
            return sock_secure__fail(sk, s, rc);
        }
        int events = sock_secure__established(sk, s);
        if (s->state == SOCK_SECURE_ST_OPEN && sk->drv->pending(s->drv)) {
            events += ss_read_ready(sk, s);
        }
        if (sock_secure__take_early(sk, s)) { /* a record that overtook the Finished */
            events += ss_read_ready(sk, s);
        }
        return events;
    }
    if (s->state == SOCK_SECURE_ST_OPEN) {
        return ss_read_ready(sk, s);
    }
    return 0;
}

/* DTLS record header (13 bytes) + handshake header (12): content type 22, version 0xFEzz,
 * epoch 0, msg_type 1. Only such a datagram may make a server create a session. */
static bool ss_is_client_hello(const uint8_t *d, size_t len)
{
    return len >= SS_DTLS_RECORD_HDR + SS_DTLS_HS_HDR &&
           sock_secure__dtls_is_epoch0_handshake(d, len) && d[SS_DTLS_RECORD_HDR] == 1;
}

/* The session a datagram from @p from belongs to. While a restarted peer's new handshake runs
 * beside its established session, handshake traffic (CCS, epoch-0 and handshake records) goes to
 * the new one and everything else (application data, alerts) to the old one. */
static sock_secure_session_t *ss_route(sock_secure_t *sk, const sock_ep_t *from, size_t len)
{
    sock_secure_session_t *open = NULL, *hs = NULL;
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (sock_ep_equal(&s->remote, from)) {
            if (s->state == SOCK_SECURE_ST_OPEN) {
                open = s;
            } else if (s->state == SOCK_SECURE_ST_HANDSHAKE) {
                hs = s;
            }
        }
    }
    if (open != NULL && hs != NULL) {
        const uint8_t *d = sk->rx;
        bool handshake = len >= SS_DTLS_RECORD_HDR &&
                         (d[0] == 20 || d[0] == 22 || (d[3] == 0 && d[4] == 0));
        return handshake ? hs : open;
    }
    return open != NULL ? open : hs;
}

static bool ss_stateless_cookies(const sock_secure_t *sk)
{
    return sk->drv->cookie_write != NULL && sk->drv->cookie_check != NULL;
}

/* Answer a ClientHello with a HelloVerifyRequest, keeping no state. Never sends more than it got. */
static int ss_hello_verify(sock_secure_t *sk, const sock_ep_t *from, const ss_client_hello_t *ch,
                           const uint8_t *peer_id, size_t len)
{
    uint8_t out[SS_HVR_MAX];
    const size_t off = SS_HVR_MAX - 255u; /* the cookie is written where the HVR carries it */
    int n = sk->drv->cookie_write(sk->drv_ctx, peer_id, SS_PEER_ID_LEN, out + off, 255u);
    if (n <= 0) {
        return 0;
    }
    size_t hvr = sock_secure__dtls_write_hello_verify(ch, out + off, (size_t)n, out, sizeof(out));
    if (hvr == 0 || hvr > len) {
        sk->stats.drop_malformed++; /* answering would amplify */
        return 0;
    }
    if (sock_send(sk->cfg.transport, out, hvr, from) > 0) {
        sk->stats.datagrams_out++;
        sk->stats.hello_verify_sent++;
    }
    return 0;
}

/* The established session idle longest (LRU), other than @p keep, closed to free its slot. */
static sock_secure_session_t *ss_evict(sock_secure_t *sk, const sock_secure_session_t *keep)
{
    sock_secure_session_t *lru = NULL;
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (s != keep && s->state == SOCK_SECURE_ST_OPEN &&
            (lru == NULL || s->active_ms < lru->active_ms)) {
            lru = s;
        }
    }
    if (lru != NULL) {
        (void)sock_secure__expire(sk, lru, SOCK_SECURE_E_EVICTED, &sk->stats.evictions);
    }
    return lru;
}

/* A stream connection we will not serve is closed (its bytes cannot just be dropped). */
static void ss_refuse(sock_secure_t *sk, const sock_ep_t *from)
{
    if (ss_stream(sk)) {
        sk->cfg.transport->ops->disconnect(sk->cfg.transport, from);
    }
}

/* After a step: stream bytes the stack did not take yet stay in sk->rx, and no more is read from
 * the transport until they are; a datagram is never kept. */
static void ss_hold(sock_secure_t *sk, sock_secure_session_t *s)
{
    if (s->rx != NULL && s->state != SOCK_SECURE_ST_FREE &&
        (ss_stream(sk) || (s->flags & SF_UNREAD))) {
        sk->held = s; /* a datagram is kept only for a session whose record is still unread */
        return;
    }
    s->rx = NULL;
    if (sk->held == s) {
        sk->held = NULL;
    }
}

static void ss_feed(sock_secure_session_t *s, const uint8_t *d, size_t len)
{
    s->rx = len ? d : NULL; /* 0 bytes: a new stream connection, nothing to read yet */
    s->rx_len = len;
    s->bytes_in += len;
    s->dgrams_in++;
    s->active_ms = ss_now(s->owner);
}

/* ---- admission of new peers (servers) ------------------------------------------------------ */

/* The same host: family, address and scope, whatever the port. */
static bool ss_same_host(const sock_ep_t *a, const sock_ep_t *b)
{
    return a->family == b->family && a->scope_id == b->scope_id &&
           memcmp(a->addr, b->addr, a->family == SOCK_AF_INET ? 4u : 16u) == 0;
}

/* Handshakes in progress from @p ep's host. */
static size_t ss_half_open_at(const sock_secure_t *sk, const sock_ep_t *ep)
{
    size_t n = 0;
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        const sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (s->state == SOCK_SECURE_ST_HANDSHAKE && ss_same_host(&s->remote, ep)) {
            n++;
        }
    }
    return n;
}

static size_t ss_half_open_max(const sock_secure_t *sk)
{
    return sk->cfg.max_half_open ? sk->cfg.max_half_open : sk->cfg.session_count;
}

static size_t ss_per_addr_max(const sock_secure_t *sk)
{
    size_t cap = sk->cfg.max_half_open_per_addr ? sk->cfg.max_half_open_per_addr
                                                : CONFIG_SOCK_SECURE_HALF_OPEN_PER_ADDR;
    size_t budget = ss_half_open_max(sk);
    return cap < budget ? cap : budget;
}

/* A new peer that proved its address is turned away: count it, close its connection (streams),
 * tell the application. */
static void ss_turn_away(sock_secure_t *sk, const sock_ep_t *from, sock_secure_refusal_t why,
                         uint32_t *counter)
{
    (*counter)++;
    ss_refuse(sk, from);
    if (sk->cfg.refused_cb != NULL) {
        sk->cfg.refused_cb(sk, from, why, sk->cfg.refused_arg);
    }
}

/*
 * The handshake a verified new peer, whose host holds @p n_new handshakes, may displace: one that
 * has stalled (its peer's next flight is overdue: nothing new for the initial retransmission
 * timeout), or any of a host that holds at least two more handshakes than the newcomer's (so that
 * displacing evens the shares out and never ping-pongs). Among those: the host holding the most,
 * then the handshake that progressed least recently. NULL if none qualifies: a handshake whose
 * answer may still be on its way is never displaced for a peer no worse off than its own.
 */
static sock_secure_session_t *ss_victim(sock_secure_t *sk, size_t n_new)
{
    uint64_t now = ss_now(sk);
    sock_secure_session_t *best = NULL;
    size_t best_n = 0;
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (s->state != SOCK_SECURE_ST_HANDSHAKE) {
            continue;
        }
        size_t n = ss_half_open_at(sk, &s->remote);
        bool stalled = now - ss_progress(s) >= sk->cfg.hs_timeout_initial_ms;
        if (!stalled && n < n_new + 2) {
            continue;
        }
        if (best == NULL || n > best_n || (n == best_n && ss_progress(s) < ss_progress(best))) {
            best = s;
            best_n = n;
        }
    }
    return best;
}

/* Would a verified hello from @p from get a slot without displacing or evicting anyone? */
static bool ss_room_for(sock_secure_t *sk, const sock_ep_t *from)
{
    return ss_half_open_at(sk, from) < ss_per_addr_max(sk) &&
           sk->stats.sessions_handshake < ss_half_open_max(sk) && sock_secure__alloc(sk) != NULL;
}

/*
 * A slot for a new peer that proved its address (@p old: its established session, if it
 * restarted), or NULL (refused and counted). In order: the per-address cap; then, if the
 * half-open budget is full or no slot is free, a handshake that can be displaced (ss_victim);
 * failing that, a full budget refuses; a full table evicts the LRU established session
 * (SOCK_SECURE_FULL_EVICT_LRU) or refuses.
 */
static sock_secure_session_t *ss_make_room(sock_secure_t *sk, const sock_ep_t *from,
                                           const sock_secure_session_t *old, int *events)
{
    size_t n_from = ss_half_open_at(sk, from);
    if (n_from >= ss_per_addr_max(sk)) {
        ss_turn_away(sk, from, SOCK_SECURE_REFUSED_PER_ADDR, &sk->stats.drop_per_addr);
        return NULL;
    }
    bool budget_full = sk->stats.sessions_handshake >= ss_half_open_max(sk);
    sock_secure_session_t *s = sock_secure__alloc(sk);
    if (budget_full || s == NULL) {
        sock_secure_session_t *v = ss_victim(sk, n_from);
        if (v != NULL) {
            *events += sock_secure__expire(sk, v, SOCK_SECURE_E_DISPLACED, &sk->stats.displaced);
            s = sock_secure__alloc(sk); /* its slot, or a free one */
        } else if (budget_full) {
            ss_turn_away(sk, from, SOCK_SECURE_REFUSED_HALF_OPEN, &sk->stats.drop_half_open);
            return NULL;
        } else if (sk->cfg.when_full == SOCK_SECURE_FULL_EVICT_LRU) {
            (*events)++;
            s = ss_evict(sk, old);
        }
    }
    if (s == NULL) {
        ss_turn_away(sk, from, SOCK_SECURE_REFUSED_TABLE_FULL, &sk->stats.drop_table_full);
    }
    return s;
}

/* A datagram that is a HelloVerifyRequest: epoch-0 handshake record, message type 3. */
static bool ss_is_hello_verify(const uint8_t *d, size_t len)
{
    return len >= SS_DTLS_RECORD_HDR + SS_DTLS_HS_HDR &&
           sock_secure__dtls_is_epoch0_handshake(d, len) && d[SS_DTLS_RECORD_HDR] == 3;
}

/* The transport a probe session talks to: it passes a HelloVerifyRequest on to the real one and
 * keeps anything else back, noting that the stack answered with its first flight. */
typedef struct {
    sock_t base; /* first: the core calls it through &base */
    sock_t *real;
    uint32_t forwarded; /* datagrams the real transport took */
    bool answered;      /* the stack sent its first flight: it accepted the cookie */
} ss_probe_sink_t;

static int ss_probe_send(sock_t *t, const void *buf, size_t len, const sock_ep_t *to)
{
    ss_probe_sink_t *p = (ss_probe_sink_t *)t;
    if (ss_is_hello_verify(buf, len)) {
        int rc = sock_send(p->real, buf, len, to);
        if (rc > 0) {
            p->forwarded++;
        }
        return rc;
    }
    p->answered = true;
    return (int)len; /* to the stack, it went out */
}

static const sock_ops_t ss_probe_ops = { .send = ss_probe_send };

/*
 * Drivers that check cookies inside the stack, for a hello that cannot simply take a free slot:
 * run it through a session on the C stack whose transport passes on a HelloVerifyRequest and
 * keeps anything else back, so that the stack tells whether the cookie holds while nothing is
 * kept, and nothing but that stateless answer is sent, for the peer. True if it held (the stack
 * answered with its first flight, which is discarded: admission then runs the hello again in the
 * slot it finds). Only this path pays for it: the record path has no probe check.
 */
static SS_NOINLINE bool ss_probe(sock_secure_t *sk, const sock_ep_t *from, size_t len)
{
    sock_secure_session_t p;
    if (sock_secure__start(sk, &p, from, NULL) < 0) {
        sk->stats.drop_table_full++; /* the stack could not set up a session */
        return false;
    }
    ss_probe_sink_t sink = { { &ss_probe_ops, sk->cfg.transport->flags }, sk->cfg.transport, 0,
                             false };
    uint32_t out = sk->stats.datagrams_out;
    sk->cfg.transport = &sink.base;
    ss_feed(&p, sk->rx, len);
    int rc = sk->drv->handshake(p.drv);
    sk->cfg.transport = sink.real;
    sk->stats.datagrams_out = out + sink.forwarded; /* what was held back did not go out */
    bool verified = rc == -EAGAIN && sink.answered;
    if (rc == SOCK_SECURE_E_HELLO_VERIFY) {
        sk->stats.hello_verify_sent++;
    } else if (!verified) {
        sk->stats.drop_malformed++; /* parked or refused by the stack: no state, no answer */
    }
    sock_secure__release(sk, &p); /* keys zeroed, nothing of it left */
    return verified;
}

/* Server: a ClientHello from a peer with no session, or from one that restarted (@p old); on
 * streams, a new connection (@p len 0). */
static int ss_new_peer(sock_secure_t *sk, const sock_ep_t *from, size_t len,
                       sock_secure_session_t *old)
{
    /* Datagrams: only a well-formed, unfragmented ClientHello may lead anywhere. */
    ss_client_hello_t ch;
    if (!ss_stream(sk) && sock_secure__dtls_parse_client_hello(sk->rx, len, &ch) < 0) {
        sk->stats.drop_malformed++;
        return 0;
    }
    /* Until the peer proved it receives at its address (a TCP handshake, or a cookie the core
     * or the stack checked) nothing is kept for it. */
    bool in_stack = !ss_stream(sk) && !ss_stateless_cookies(sk); /* the stack checks cookies */
    if (!ss_stream(sk) && !in_stack) {
        uint8_t peer_id[SS_PEER_ID_LEN];
        sock_secure__peer_id(from, peer_id);
        if (ch.cookie_len == 0 || sk->drv->cookie_check(sk->drv_ctx, peer_id, sizeof(peer_id),
                                                        ch.cookie, ch.cookie_len) != 0) {
            if (ch.cookie_len > 0) {
                sk->stats.bad_cookies++;
            }
            return ss_hello_verify(sk, from, &ch, peer_id, len);
        }
    }
    if (in_stack && !ss_room_for(sk, from)) {
        /* it could only be refused, or take a displaced handshake's slot: learn first */
        if (!ss_probe(sk, from, len)) {
            return 0;
        }
        in_stack = false; /* verified */
    }
    int events = 0;
    sock_secure_session_t *s = ss_make_room(sk, from, old, &events);
    if (s == NULL) {
        return events;
    }
    if (sock_secure__start(sk, s, from, NULL) < 0) {
        ss_turn_away(sk, from, SOCK_SECURE_REFUSED_TABLE_FULL, &sk->stats.drop_table_full);
        return events;
    }
    if (old != NULL) {
        s->flags |= SF_RESTART;
    }
    if (in_stack) {
        s->flags |= SF_UNVERIFIED; /* for this first step only */
    }
    ss_feed(s, sk->rx, len);
    events += sock_secure__step(sk, s);
    s->flags &= (uint16_t)~SF_UNVERIFIED;
    if (in_stack && s->state == SOCK_SECURE_ST_HANDSHAKE && s->dgrams_out == 0) {
        /* the stack kept the hello without answering (e.g. an unexpected message_seq or a
         * cookie it did not issue): no state for an unverified peer */
        sk->stats.drop_malformed++;
        sock_secure__release(sk, s);
        return events;
    }
    ss_hold(sk, s);
    return events;
}

static int ss_dispatch(sock_secure_t *sk, const sock_ep_t *from, size_t len)
{
    sock_secure_session_t *s = ss_route(sk, from, len);
    bool server = ss_server(sk);
    if (server && (ss_stream(sk) ? s == NULL
                              : ss_is_client_hello(sk->rx, len) &&
                                    (s == NULL || s->state == SOCK_SECURE_ST_OPEN))) {
        return ss_new_peer(sk, from, len, s);
    }
    if (len == 0) {
        return 0; /* streams: a connection we already know (or a client's own) */
    }
    if (s == NULL) {
        if (len >= SS_DTLS_RECORD_HDR && sk->rx[0] >= 20 && sk->rx[0] <= 25 && sk->rx[1] == 0xFE) {
            sk->stats.drop_unknown++;
        } else {
            sk->stats.drop_malformed++;
        }
        ss_refuse(sk, from);
        return 0;
    }
    if (s->state == SOCK_SECURE_ST_HANDSHAKE && sock_secure__keep_early(sk, s, len)) {
        return 0; /* application data ahead of the Finished: kept for after the handshake */
    }
    ss_feed(s, sk->rx, len);
    /* with an unread record, kept until it is read */
    int events = (s->flags & SF_UNREAD) ? 0 : sock_secure__step(sk, s);
    ss_hold(sk, s);
    return events;
}

/* The timers' scan: every active session whose time has come (timers.c acts on it). */
static int ss_run_timers(sock_secure_t *sk)
{
    int events = 0;
    uint64_t now = ss_now(sk);
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (s->state == SOCK_SECURE_ST_FREE || s->state == SOCK_SECURE_ST_CLOSED ||
            ss_due(sk, s) > now) {
            continue;
        }
        events += sock_secure__timer_due(sk, s, now);
    }
    return events;
}

/* ---- public API ----------------------------------------------------------------------------- */

int sock_secure_process(sock_secure_t *sk)
{
    if (sk == NULL || !sk->open) {
        return -EINVAL;
    }
    if (sk->in_process) {
        return 0;
    }
    sk->in_process = true;
    int events = ss_run_timers(sk);
    int rc = 0;
    if (sk->held != NULL && !(sk->held->flags & SF_UNREAD)) { /* input read earlier first */
        sock_secure_session_t *h = sk->held;
        events += sock_secure__step(sk, h);
        ss_hold(sk, h);
    }
    if (ss_stream(sk)) {
        events += sock_secure__run_streams(sk);
    }
    /* records still buffered in the stack come before new datagrams */
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if ((s->flags & SF_PENDING) && !(s->flags & SF_UNREAD) &&
            s->state == SOCK_SECURE_ST_OPEN) {
            events += ss_read_ready(sk, s);
            ss_hold(sk, s);
        }
    }
    sock_secure_session_t *e = ss_early_session(sk); /* one that waited for a record to be read */
    if (e != NULL && sock_secure__take_early(sk, e)) {
        events += ss_read_ready(sk, e);
        ss_hold(sk, e);
    }
    for (unsigned n = 0; n < SS_PROCESS_BUDGET && sk->held == NULL && sk->open; n++) {
        sock_ep_t from;
        from.family = SOCK_AF_UNSPEC;
        int len = sock_recv(sk->cfg.transport, sk->rx, sizeof(sk->rx), &from);
        if (len == -EAGAIN) {
            break;
        }
        if (len == -EMSGSIZE) {
            sk->stats.drop_oversize++;
            continue;
        }
        if (len < 0 && ss_stream(sk) && from.family != SOCK_AF_UNSPEC) {
            events += sock_secure__connection_ended(sk, &from, len);
            continue;
        }
        if (len < 0) {
            rc = -EIO;
            break;
        }
        sk->stats.datagrams_in += len > 0;
        events += ss_dispatch(sk, &from, (size_t)len);
    }
    sk->in_process = false;
    return rc < 0 ? rc : events;
}

/* Sleep in the transport until @p deadline or the next timer, whichever is first. */
static void ss_wait(sock_secure_t *sk, uint64_t deadline)
{
    uint64_t now = ss_now(sk);
    if (now >= deadline) {
        return;
    }
    uint64_t left = deadline - now;
    uint32_t t = sock_secure_next_timeout(sk);
    if (left < t) {
        t = (uint32_t)left;
    }
    if (t > 0) {
        (void)sock_wait(sk->cfg.transport, t);
    }
}

int sock_secure_connect(sock_secure_t *sk, const sock_ep_t *remote,
                        sock_secure_session_t **session, uint32_t timeout_ms)
{
    return sock_secure_connect_to(sk, remote, NULL, session, timeout_ms);
}

int sock_secure_connect_to(sock_secure_t *sk, const sock_ep_t *remote, const char *server_name,
                           sock_secure_session_t **session, uint32_t timeout_ms)
{
    if (sk == NULL || !sk->open || remote == NULL || session == NULL ||
        sk->cfg.role != SOCK_SECURE_CLIENT || remote->family == SOCK_AF_UNSPEC) {
        return -EINVAL;
    }
    if (sock_secure__find(sk, remote) != NULL) {
        return -EALREADY;
    }
    sock_secure_session_t *s = sock_secure__alloc(sk);
    if (s == NULL) {
        return -ENOMEM;
    }
    uint64_t deadline = ss_deadline(sk, timeout_ms);
    int rc = 0;
    if (ss_stream(sk)) {
        rc = sk->cfg.transport->ops->connect(sk->cfg.transport, remote);
        if (rc < 0 && rc != -EINPROGRESS) {
            return rc;
        }
    }
    rc = sock_secure__start(sk, s, remote, server_name ? server_name : sk->cfg.server_name);
    if (rc < 0) {
        if (ss_stream(sk)) {
            sk->cfg.transport->ops->disconnect(sk->cfg.transport, remote);
        }
        return rc;
    }
    s->flags |= SF_OWNED;
    *session = s;
    rc = sk->drv->handshake(s->drv);
    if (rc != -EAGAIN && rc < 0) {
        sock_secure__end(sk, s, rc);
        return rc;
    }
    if (timeout_ms == 0) {
        return -EINPROGRESS;
    }
    while (s->state == SOCK_SECURE_ST_HANDSHAKE) {
        if (deadline == 0 || ss_now(sk) >= deadline) {
            sock_secure__release(sk, s);
            *session = NULL;
            return -ETIMEDOUT;
        }
        rc = sock_secure_process(sk);
        if (rc < 0) {
            return rc;
        }
        if (s->state == SOCK_SECURE_ST_HANDSHAKE) {
            ss_wait(sk, deadline);
        }
    }
    if (s->state == SOCK_SECURE_ST_OPEN) {
        return 0;
    }
    s->flags &= (uint16_t)~SF_ENDED; /* reported here */
    return s->last_error;
}

static sock_secure_session_t *ss_take_new(sock_secure_t *sk)
{
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (s->state == SOCK_SECURE_ST_OPEN && (s->flags & SF_NEW)) {
            s->flags &= (uint16_t)~SF_NEW;
            return s;
        }
    }
    return NULL;
}

int sock_secure_accept(sock_secure_t *sk, sock_secure_session_t **session, uint32_t timeout_ms)
{
    if (sk == NULL || !sk->open || session == NULL || !ss_server(sk)) {
        return -EINVAL;
    }
    uint64_t deadline = ss_deadline(sk, timeout_ms);
    for (;;) {
        sock_secure_session_t *s = ss_take_new(sk);
        if (s != NULL) {
            *session = s;
            return 0;
        }
        if (sk->in_process) {
            return -EAGAIN;
        }
        int rc = sock_secure_process(sk);
        if (rc < 0) {
            return rc;
        }
        s = ss_take_new(sk);
        if (s != NULL) {
            *session = s;
            return 0;
        }
        if (deadline == 0 || ss_now(sk) >= deadline) {
            return timeout_ms == 0 ? -EAGAIN : -ETIMEDOUT;
        }
        ss_wait(sk, deadline);
    }
}

int sock_secure_send(sock_secure_session_t *s, const void *data, size_t len)
{
    if (s == NULL || (data == NULL && len > 0)) {
        return -EINVAL;
    }
    if (!ss_session_valid(s) || s->state != SOCK_SECURE_ST_OPEN || (s->flags & SF_CLOSING)) {
        return -ENOTCONN;
    }
    if (len == 0) {
        return 0;
    }
    sock_secure_t *sk = s->owner;
    int rc = sk->drv->write(s->drv, data, len); /* -EMSGSIZE beyond max_payload (DTLS) */
    if (rc >= 0) {
        s->records_out++;
    } else if (sock_secure_error_is_fatal(rc)) {
        (void)sock_secure__fail(sk, s, rc);
    }
    return rc;
}

/* The next session with an unread record, taking turns so that no peer starves the others. */
static sock_secure_session_t *ss_next_unread(sock_secure_t *sk)
{
    size_t n = sk->cfg.session_count;
    for (size_t k = 0; k < n; k++) {
        size_t i = (sk->next_unread + k) % n;
        if (sk->cfg.sessions[i].flags & SF_UNREAD) {
            sk->next_unread = (i + 1) % n;
            return &sk->cfg.sessions[i];
        }
    }
    return NULL;
}

/* Hand an unread record to the caller: from @p want, or (NULL) from any session. -EAGAIN if
 * there is none. */
static int ss_take_record(sock_secure_t *sk, sock_secure_session_t **session,
                          sock_secure_session_t *want, void *buf, size_t len)
{
    sock_secure_session_t *s = want != NULL ? ((want->flags & SF_UNREAD) ? want : NULL)
                                            : ss_next_unread(sk);
    if (s != NULL) {
        /* a zero-length buffer cannot take a record (read(len 0) would only peek at its size) */
        int rc = len == 0 ? -EMSGSIZE : sk->drv->read(s->drv, buf, len);
        if (session != NULL) {
            *session = s;
        }
        if (rc == -EMSGSIZE) {
            return rc; /* kept: call again with a larger buffer */
        }
        ss_set_unread(sk, s, false);
        if (rc < 0) {
            (void)sock_secure__fail(sk, s, rc);
            return rc;
        }
        s->records_in++;
        if (ss_stream(sk) || sk->drv->pending(s->drv)) {
            s->flags |= SF_PENDING; /* streams: the rest of the record, or more bytes */
        }
        return rc;
    }
    if (want != NULL) {
        if (want->state == SOCK_SECURE_ST_CLOSED) {
            want->flags &= (uint16_t)~SF_ENDED;
            return want->last_error ? want->last_error : -ENOTCONN;
        }
        if (sk->held != NULL && sk->held != want && (sk->held->flags & SF_UNREAD)) {
            return -EBUSY; /* input waits behind another session's unread record */
        }
        return -EAGAIN;
    }
    /* any session: report one that ended since the last report */
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *e = &sk->cfg.sessions[i];
        if (e->state == SOCK_SECURE_ST_CLOSED && (e->flags & SF_ENDED)) {
            e->flags &= (uint16_t)~SF_ENDED;
            if (session != NULL) {
                *session = e;
            }
            return e->last_error;
        }
    }
    return -EAGAIN;
}

int sock_secure_recv(sock_secure_t *sk, sock_secure_session_t **session, void *buf, size_t len,
                     uint32_t timeout_ms)
{
    if (sk == NULL || !sk->open || (buf == NULL && len > 0)) {
        return -EINVAL;
    }
    sock_secure_session_t *want = session != NULL ? *session : NULL;
    if (want != NULL && (want->owner != sk || want->state == SOCK_SECURE_ST_FREE)) {
        return -EINVAL;
    }
    uint64_t deadline = ss_deadline(sk, timeout_ms);
    for (;;) {
        int rc = ss_take_record(sk, session, want, buf, len);
        if (rc != -EAGAIN || sk->in_process) {
            return rc;
        }
        rc = sock_secure_process(sk);
        if (rc < 0) {
            return rc;
        }
        rc = ss_take_record(sk, session, want, buf, len);
        if (rc != -EAGAIN) {
            return rc;
        }
        if (deadline == 0 || ss_now(sk) >= deadline) {
            return timeout_ms == 0 ? -EAGAIN : -ETIMEDOUT;
        }
        ss_wait(sk, deadline);
    }
}

int sock_secure_pending(const sock_secure_session_t *s)
{
    if (s == NULL) {
        return -EINVAL;
    }
    if (!ss_session_valid(s) || !(s->flags & SF_UNREAD)) {
        return 0;
    }
    sock_secure_session_t *m = (sock_secure_session_t *)s; /* read(NULL, 0) only peeks */
    int rc = s->owner->drv->read(m->drv, NULL, 0);
    return rc > 0 ? rc : 0;
}
