/*
 * RFC 6347 §4.2.4 timers and the sessions' deadlines: what happens to a session whose time has
 * come (a retransmission with the timeout doubled, a server's handshake deadline and stall, the
 * idle timeout), and sock_secure_next_timeout() for an event loop (docs/DESIGN.md, "Timers").
 * When a session is due is sock_secure__due(); sock_secure_process() scans every session on every
 * call, and asks it only for one with timer work (ss_timed() in core.h, inline). The clock is the socket's callback.
 */
#include "core.h"

static int ss_retransmit(sock_secure_t *sk, sock_secure_session_t *s)
{
    s->flags &= (uint16_t)~SF_TIMER;
    if (s->flight_retx >= sk->cfg.hs_max_retransmit) {
        return sock_secure__fail(sk, s, -ETIMEDOUT);
    }
    s->flight_retx++;
    SS_SESSION_STAT(s->retransmits++);
    sk->stats.retransmits++;
    s->rto_ms = s->rto_ms > sk->cfg.hs_timeout_max_ms / 2 ? sk->cfg.hs_timeout_max_ms
                                                          : s->rto_ms * 2;
    sk->drv->timer_expired(s->drv);
    return sock_secure__step(sk, s);
}

uint64_t sock_secure__due(const sock_secure_t *sk, const sock_secure_session_t *s, uint64_t *now)
{
    uint64_t t = ss_clock(sk, now);
    uint64_t due = UINT64_MAX;
    if (s->flags & SF_TIMER) {
        due = ss_when(t, s->timer_ms) + s->rto_ms;
    }
    if (s->state == SOCK_SECURE_ST_HANDSHAKE && ss_server_session(sk, s)) {
        uint64_t started = ss_when(t, s->started_ms);
        if (sk->cfg.handshake_deadline_ms > 0 && started + sk->cfg.handshake_deadline_ms < due) {
            due = started + sk->cfg.handshake_deadline_ms;
        }
        uint64_t stall = started + s->progress_ms + sk->cfg.handshake_stall_ms;
        if (sk->cfg.handshake_stall_ms > 0 && stall < due) {
            due = stall;
        }
    }
    if (s->state == SOCK_SECURE_ST_OPEN && sk->cfg.idle_timeout_ms > 0) {
        uint64_t at = ss_when(t, s->active_ms) + sk->cfg.idle_timeout_ms;
        due = at < due ? at : due;
    }
    return due;
}

/* Act on session @p s, whose timer work is due at @p now (sock_secure__due): a server's handshake past its
 * deadline or stalled ends, an idle session is closed, a flight is retransmitted. */
int sock_secure__timer_due(sock_secure_t *sk, sock_secure_session_t *s, uint64_t now)
{
    int events = 0;
    if (s->state == SOCK_SECURE_ST_HANDSHAKE && ss_server_session(sk, s) &&
        sk->cfg.handshake_deadline_ms > 0 &&
        now - ss_when(now, s->started_ms) >= sk->cfg.handshake_deadline_ms) {
        events += sock_secure__expire(sk, s, -ETIMEDOUT, &sk->stats.expired_handshake);
    } else if (s->state == SOCK_SECURE_ST_HANDSHAKE && ss_server_session(sk, s) &&
               sk->cfg.handshake_stall_ms > 0 &&
               now - ss_progress(s, now) >= sk->cfg.handshake_stall_ms) {
        events += sock_secure__expire(sk, s, -ETIMEDOUT, &sk->stats.expired_stall);
    } else if (s->state == SOCK_SECURE_ST_OPEN && sk->cfg.idle_timeout_ms > 0 &&
               now - ss_when(now, s->active_ms) >= sk->cfg.idle_timeout_ms) {
        events += sock_secure__expire(sk, s, -ETIMEDOUT, &sk->stats.expired_idle);
    } else if ((s->flags & SF_TIMER) && now - ss_when(now, s->timer_ms) >= s->rto_ms) {
        events += ss_retransmit(sk, s);
    }
    return events;
}

/* ---- public API --------------------------------------------------------------------------- */

uint32_t sock_secure_next_timeout(const sock_secure_t *sk)
{
    if (sk == NULL || !sk->open) {
        return SOCK_SECURE_NO_TIMEOUT;
    }
    if (sk->held != NULL && !(sk->held->flags & SF_UNREAD)) {
        return 0; /* input read earlier waits to be processed */
    }
    const sock_secure_session_t *e = ss_early_session(sk);
    if (e != NULL && e->state == SOCK_SECURE_ST_OPEN) {
        return 0; /* a record kept from before the handshake's end waits to be processed */
    }
    uint64_t now = ss_now(sk);
    uint64_t next = UINT64_MAX;
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        const sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (s->flags & (SF_PENDING | SF_UNREAD)) {
            return 0; /* buffered records to process, or a record for the application to read */
        }
        if (s->state == SOCK_SECURE_ST_HANDSHAKE || s->state == SOCK_SECURE_ST_OPEN) {
            uint64_t due = ss_timed(sk, s) ? sock_secure__due(sk, s, &now) : UINT64_MAX;
            next = due < next ? due : next;
        }
    }
    if (next == UINT64_MAX) {
        return SOCK_SECURE_NO_TIMEOUT;
    }
    if (next <= now) {
        return 0;
    }
    uint64_t d = next - now;
    return d >= SOCK_SECURE_NO_TIMEOUT ? SOCK_SECURE_NO_TIMEOUT - 1 : (uint32_t)d;
}
