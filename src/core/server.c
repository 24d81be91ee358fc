/*
 * Servers: new peers. A datagram from an endpoint without a session is looked at only if it is
 * a ClientHello; its cookie is checked (by the core with the driver's cookie hooks, or by a
 * probe session for stacks that check cookies themselves) before anything is kept for it, and a
 * peer that proved its address is admitted by one rule (per-address cap, fair displacement of
 * stalled or hoarded handshakes, budget, table) - docs/DESIGN.md, "Servers and cookies".
 * Compiled to nothing with CONFIG_SOCK_SECURE_SERVER 0: core.h then has stubs (a server is
 * refused at create), and so is dtls_hello.c.
 */
#include <string.h>

#include "core.h"

#if CONFIG_SOCK_SECURE_SERVER

/* A server session's first hello, refused by a stack that checks cookies itself: had the peer
 * proved its address? Not if the hello carried no cookie, nor if the stack could not decode it
 * (a cookie is checked only in a hello that parses). Then the refusal is no one's: a failure
 * after a valid cookie (say, no common suite) is reported as usual. The hello is still in sk->rx
 * (SF_UNVERIFIED is set only around that first step). */
bool sock_secure__refused_unproven(sock_secure_t *sk, sock_secure_session_t *s)
{
    ss_client_hello_t ch;
    if (sock_secure__dtls_parse_client_hello(sk->rx, sk->hello_len, &ch) < 0 ||
        ch.cookie_len == 0) {
        return true;
    }
    tlsman_info_t ti;
    sk->drv->info(s->drv, &ti);
    return ti.alert_origin == TLSMAN_ALERT_SENT && ti.alert == 50; /* decode_error */
}

static bool ss_stateless_cookies(const sock_secure_t *sk)
{
    return sk->drv->cookie_write != NULL && sk->drv->cookie_check != NULL;
}

/* Answer a ClientHello with a HelloVerifyRequest, keeping no state. Never sends more than it got. */
static int ss_hello_verify(sock_secure_t *sk, const sock_secure_ep_t *from, const ss_client_hello_t *ch,
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
    if (sock_secure_transport_send(sk->cfg.transport, out, hvr, from) > 0) {
        sk->stats.datagrams_out++;
        sk->stats.hello_verify_sent++;
    }
    return 0;
}

/* The established session idle longest (LRU), other than @p keep, closed to free its slot. */
static sock_secure_session_t *ss_evict(sock_secure_t *sk, const sock_secure_session_t *keep)
{
    sock_secure_session_t *lru = NULL;
    uint32_t now = (uint32_t)ss_now(sk), idle = 0;
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (s != keep && s->state == SOCK_SECURE_ST_OPEN && ss_server_session(sk, s) &&
            (lru == NULL || now - s->active_ms > idle)) {
            lru = s;
            idle = now - s->active_ms;
        }
    }
    if (lru != NULL) {
        (void)sock_secure__expire(sk, lru, SOCK_SECURE_E_EVICTED, &sk->stats.evictions);
    }
    return lru;
}

/* ---- admission of new peers ---------------------------------------------------------------- */

/* The same host: family, address and scope, whatever the port. */
static bool ss_same_host(const sock_secure_ep_t *a, const sock_secure_ep_t *b)
{
    return a->family == b->family && a->scope_id == b->scope_id &&
           memcmp(a->addr, b->addr, a->family == SOCK_SECURE_AF_INET ? 4u : 16u) == 0;
}

/* Server handshakes in progress from @p ep's host (a client-server's own connect()s are the
 * application's, not a peer's: they count for no budget and are never displaced or evicted). */
static size_t ss_half_open_at(const sock_secure_t *sk, const sock_secure_ep_t *ep)
{
    size_t n = 0;
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        const sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (s->state == SOCK_SECURE_ST_HANDSHAKE && ss_server_session(sk, s) &&
            ss_same_host(&s->remote, ep)) {
            n++;
        }
    }
    return n;
}

/* Server handshakes in progress (on a server socket: all of them). */
static size_t ss_half_open(const sock_secure_t *sk)
{
    if (sk->cfg.role == SOCK_SECURE_SERVER) {
        return sk->stats.sessions_handshake;
    }
    size_t n = 0;
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        const sock_secure_session_t *s = &sk->cfg.sessions[i];
        n += s->state == SOCK_SECURE_ST_HANDSHAKE && ss_server_session(sk, s);
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
static void ss_turn_away(sock_secure_t *sk, const sock_secure_ep_t *from, sock_secure_refusal_t why,
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
        if (s->state != SOCK_SECURE_ST_HANDSHAKE || !ss_server_session(sk, s)) {
            continue;
        }
        size_t n = ss_half_open_at(sk, &s->remote);
        bool stalled = now - ss_progress(s, now) >= sk->cfg.hs_timeout_initial_ms;
        if (!stalled && n < n_new + 2) {
            continue;
        }
        if (best == NULL || n > best_n || (n == best_n && ss_progress(s, now) < ss_progress(best, now))) {
            best = s;
            best_n = n;
        }
    }
    return best;
}

/* Would a verified hello from @p from get a slot without displacing or evicting anyone? */
static bool ss_room_for(sock_secure_t *sk, const sock_secure_ep_t *from)
{
    return ss_half_open_at(sk, from) < ss_per_addr_max(sk) &&
           ss_half_open(sk) < ss_half_open_max(sk) && sock_secure__alloc(sk) != NULL;
}

/*
 * A slot for a new peer that proved its address (@p old: its established session, if it
 * restarted), or NULL (refused and counted). In order: the per-address cap; then, if the
 * half-open budget is full or no slot is free, a handshake that can be displaced (ss_victim);
 * failing that, a full budget refuses; a full table evicts the LRU established session
 * (SOCK_SECURE_FULL_EVICT_LRU) or refuses.
 */
static sock_secure_session_t *ss_make_room(sock_secure_t *sk, const sock_secure_ep_t *from,
                                           const sock_secure_session_t *old, int *events)
{
    size_t n_from = ss_half_open_at(sk, from);
    if (n_from >= ss_per_addr_max(sk)) {
        ss_turn_away(sk, from, SOCK_SECURE_REFUSED_PER_ADDR, &sk->stats.drop_per_addr);
        return NULL;
    }
    bool budget_full = ss_half_open(sk) >= ss_half_open_max(sk);
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
    sock_secure_transport_t base; /* first: the core calls it through &base */
    sock_secure_transport_t *real;
    uint32_t forwarded; /* datagrams the real transport took */
    bool answered;      /* the stack sent its first flight: it accepted the cookie */
} ss_probe_sink_t;

static int ss_probe_send(sock_secure_transport_t *t, const void *buf, size_t len, const sock_secure_ep_t *to)
{
    ss_probe_sink_t *p = (ss_probe_sink_t *)t;
    if (ss_is_hello_verify(buf, len)) {
        int rc = sock_secure_transport_send(p->real, buf, len, to);
        if (rc > 0) {
            p->forwarded++;
        }
        return rc;
    }
    p->answered = true;
    return (int)len; /* to the stack, it went out */
}

static const sock_secure_transport_ops_t ss_probe_ops = { .send = ss_probe_send };

/*
 * Drivers that check cookies inside the stack, for a hello that cannot simply take a free slot:
 * run it through a session on the C stack whose transport passes on a HelloVerifyRequest and
 * keeps anything else back, so that the stack tells whether the cookie holds while nothing is
 * kept, and nothing but that stateless answer is sent, for the peer. True if it held (the stack
 * answered with its first flight, which is discarded: admission then runs the hello again in the
 * slot it finds). Only this path pays for it: the record path has no probe check.
 */
static SS_NOINLINE bool ss_probe(sock_secure_t *sk, const sock_secure_ep_t *from, size_t len)
{
    sock_secure_session_t p;
    if (sock_secure__start(sk, &p, from, false, NULL, NULL) < 0) {
        sk->stats.drop_table_full++; /* the stack could not set up a session */
        return false;
    }
    ss_probe_sink_t sink = { { &ss_probe_ops, sk->cfg.transport->flags }, sk->cfg.transport, 0,
                             false };
    uint32_t out = sk->stats.datagrams_out;
    sk->cfg.transport = &sink.base;
    ss_feed(&p, sk->rx, len, ss_now(sk));
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
int sock_secure__new_peer(sock_secure_t *sk, const sock_secure_ep_t *from, size_t len,
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
    if (sock_secure__start(sk, s, from, false, NULL, NULL) < 0) {
        ss_turn_away(sk, from, SOCK_SECURE_REFUSED_TABLE_FULL, &sk->stats.drop_table_full);
        return events;
    }
    if (old != NULL) {
        s->flags |= SF_RESTART;
    }
    if (in_stack) {
        s->flags |= SF_UNVERIFIED; /* for this first step only */
        sk->hello_len = len;
    }
    ss_feed(s, sk->rx, len, ss_now(sk));
    events += sock_secure__step(sk, s);
    s->flags &= (uint16_t)~SF_UNVERIFIED;
    if (in_stack && s->state == SOCK_SECURE_ST_HANDSHAKE && !(s->flags & SF_SENT)) {
        /* the stack kept the hello without answering (e.g. an unexpected message_seq or a
         * cookie it did not issue): no state for an unverified peer */
        sk->stats.drop_malformed++;
        sock_secure__release(sk, s);
        return events;
    }
    ss_hold(sk, s);
    return events;
}

#endif
