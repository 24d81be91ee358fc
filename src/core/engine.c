/*
 * The engine. sock_secure_process() runs the timers, feeds what was kept from before (stream
 * bytes held back, records buffered in a stack, the early datagram), then reads what the
 * transport has, demultiplexes each datagram by its source endpoint to its session and steps that
 * session's stack (a new peer goes to server.c). The blocking calls (connect, accept, recv) are
 * loops of process() and the transport's wait; recv hands unread records to the application in
 * turn; send. It talks to the (D)TLS stack only through tlsman_driver_t and to the network only
 * through sock_secure_transport_ops_t; it allocates nothing. The core's other modules: docs/DESIGN.md, "Core
 * modules".
 */
#include "secure_sock/sock_secure.h"

#include "core.h"

/* Datagrams handled per process() call, so a flood cannot keep it from returning. */
#define SS_PROCESS_BUDGET 64u

/* ---- small helpers ------------------------------------------------------------------------ */

static uint64_t ss_deadline(const sock_secure_t *sk, uint32_t timeout_ms)
{
    if (timeout_ms == 0) {
        return 0; /* do not wait: no need to read the clock */
    }
    return timeout_ms == SOCK_SECURE_NO_TIMEOUT ? UINT64_MAX : ss_now(sk) + timeout_ms;
}

/* ---- input: stepping sessions, demultiplexing ----------------------------------------------- */

/* Streams: stop reading a connection while its record waits for the application (the others
 * go on), and resume when it has been read. */
static void ss_set_unread(sock_secure_t *sk, sock_secure_session_t *s, bool unread)
{
    if (unread) {
        s->flags |= SF_UNREAD;
        sk->work |= SW_UNREAD;
    } else {
        s->flags &= (uint16_t)~SF_UNREAD;
    }
    if (ss_stream(sk) && sk->cfg.transport->ops->pause != NULL) {
        sk->cfg.transport->ops->pause(sk->cfg.transport, &s->remote, unread);
    }
}

/* Established: let the stack process input; announce a decrypted record if one is ready, or hand
 * it to the receive call waiting for it (sk->rcv). */
static int ss_read_ready(sock_secure_t *sk, sock_secure_session_t *s)
{
    if (s->flags & SF_UNREAD) {
        return 0; /* the application has not taken the last one yet */
    }
    struct sock_secure_receiver *r = sk->rcv;
    bool direct = r != NULL && r->got == NULL && (r->want == NULL || r->want == s);
    /* read(len 0) leaves the record in the stack; read(buf) takes it if it fits (-EMSGSIZE:
     * decrypted and kept, announced below as usual) */
    int rc = direct ? sk->drv->read(s->drv, r->buf, r->len) : sk->drv->read(s->drv, NULL, 0);
    if (direct && rc == -EMSGSIZE) {
        direct = false;
        rc = sk->drv->read(s->drv, NULL, 0);
    }
    if (sk->drv->pending(s->drv) || (ss_stream(sk) && ss_has_input(sk, s))) {
        s->flags |= SF_PENDING;
        sk->work |= SW_PENDING;
    } else {
        s->flags &= (uint16_t)~SF_PENDING;
    }
    int events = 0;
    if (s->flags & SF_RENEWED) { /* the new keys are in use from here on */
        s->flags &= (uint16_t)~SF_RENEWED;
        events = ss_emit(sk, s, SOCK_SECURE_EV_RENEWED, 0);
    }
    if (rc > 0 && direct) {
        r->got = s;
        r->rc = rc;
        SS_SESSION_STAT(s->records_in++);
        return events;
    }
    if (rc > 0) {
        ss_set_unread(sk, s, true);
        return events + ss_emit(sk, s, SOCK_SECURE_EV_DATA, 0);
    }
    if (rc == -EAGAIN) {
        return events;
    }
    if (rc == SOCK_SECURE_E_BAD_RECORD) {
        sk->stats.drop_bad_record++;
        return events;
    }
    if (rc == SOCK_SECURE_E_PEER_CLOSED && ss_stream(sk)) {
        (void)sk->drv->close_notify(s->drv); /* TLS: answer before the connection goes */
    }
    return events + sock_secure__fail(sk, s, rc);
}

/* A handshaking session's step (sock_secure__step). */
static SS_NOINLINE int ss_step_handshake(sock_secure_t *sk, sock_secure_session_t *s)
{
    bool fed = ss_has_input(sk, s);
    s->flags &= (uint16_t)~SF_SENT;
    int rc = sk->drv->handshake(s->drv);
    if (ss_server_session(sk, s) && ss_stream(sk) && fed && (s->flags & SF_SENT)) {
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
    if (rc < 0 && (s->flags & SF_UNVERIFIED) && sock_secure__refused_unproven(sk, s)) {
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

/* Advance one session with whatever input it has (a datagram in sk->in, or buffered records);
 * inlined in this file's callers (a record's path), sock_secure__step for the other modules. */
static inline int ss_step(sock_secure_t *sk, sock_secure_session_t *s)
{
    if (s->state == SOCK_SECURE_ST_OPEN) {
        return ss_read_ready(sk, s);
    }
    if (s->state == SOCK_SECURE_ST_HANDSHAKE) {
        return ss_step_handshake(sk, s);
    }
    return 0;
}

int sock_secure__step(sock_secure_t *sk, sock_secure_session_t *s)
{
    return ss_step(sk, s);
}

/* The session a datagram from @p from belongs to. While a restarted peer's new handshake runs
 * beside its established session, handshake traffic (CCS, epoch-0 and handshake records) goes to
 * the new one and everything else (application data, alerts) to the old one. */
static sock_secure_session_t *ss_route(sock_secure_t *sk, const sock_secure_ep_t *from, size_t len)
{
    /* the session of the last datagram first: it is the one a scan would find, as it is cached
     * only while no handshake runs beside it and every new handshake drops it (sk->last) */
    sock_secure_session_t *last = sk->last;
    if (last != NULL && last->state == SOCK_SECURE_ST_OPEN &&
        sock_secure_ep_equal(&last->remote, from)) {
        return last;
    }
    sock_secure_session_t *open = NULL, *hs = NULL;
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (sock_secure_ep_equal(&s->remote, from)) {
            if (s->state == SOCK_SECURE_ST_OPEN) {
                open = s;
            } else if (s->state == SOCK_SECURE_ST_HANDSHAKE) {
                hs = s;
            }
        }
    }
    if (ss_server(sk) && open != NULL && hs != NULL) {
        /* (only a server's peer restarts beside its session: connect() refuses a second one) */
        const uint8_t *d = sk->rx;
        bool handshake = len >= SS_DTLS_RECORD_HDR &&
                         (d[0] == 20 || d[0] == 22 || (d[3] == 0 && d[4] == 0));
        return handshake ? hs : open;
    }
    if (open != NULL) {
        sk->last = open;
        return open;
    }
    return hs;
}

/* A datagram (in sk->rx, @p len bytes) from @p from, at the call's clock @p now; @p to is set to
 * the established or handshaking session it went to (NULL: a new peer, or none). */
static int ss_dispatch(sock_secure_t *sk, const sock_secure_ep_t *from, size_t len, uint64_t *now,
                       sock_secure_session_t **to)
{
    sock_secure_session_t *s = ss_route(sk, from, len);
    *to = NULL;
    bool server = ss_server(sk);
    if (server && (ss_stream(sk) ? s == NULL
                              : ss_is_client_hello(sk->rx, len) &&
                                    (s == NULL || s->state == SOCK_SECURE_ST_OPEN))) {
        return sock_secure__new_peer(sk, from, len, s);
    }
    if (len == 0) {
        if (!CONFIG_SOCK_SECURE_RX_BUFFER) {
            ss_discard(sk); /* an empty datagram, still in the transport: nothing in it */
        }
        return 0; /* streams: a connection we already know (or a client's own) */
    }
    if (s == NULL) {
        if (len >= SS_DTLS_RECORD_HDR && sk->rx[0] >= 20 && sk->rx[0] <= 25 && sk->rx[1] == 0xFE) {
            sk->stats.drop_unknown++;
        } else {
            sk->stats.drop_malformed++;
        }
        if (!CONFIG_SOCK_SECURE_RX_BUFFER) {
            ss_discard(sk);
        }
        ss_refuse(sk, from);
        return 0;
    }
    if (s->state == SOCK_SECURE_ST_HANDSHAKE && sock_secure__keep_early(sk, s, len)) {
        return 0; /* application data ahead of the Finished: kept for after the handshake */
    }
    ss_feed(s, CONFIG_SOCK_SECURE_RX_BUFFER ? sk->rx : NULL, len,
            ss_tracks_activity(sk) ? ss_clock(sk, now) : s->active_ms);
    *to = s;
    /* with an unread record, kept until it is read */
    int events = (s->flags & SF_UNREAD) ? 0 : ss_step(sk, s);
    ss_hold(sk, s);
    return events;
}

/* The timers' scan: every active session whose time has come (timers.c acts on it). The clock
 * is read only once a session has timer work at all. */
static int ss_run_timers(sock_secure_t *sk, uint64_t *now)
{
    int events = 0;
    if (!(sk->work & SW_TIMERS)) {
        return 0; /* no session has timer work (SW_TIMERS) */
    }
    bool any = false;
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (s->state == SOCK_SECURE_ST_FREE || s->state == SOCK_SECURE_ST_CLOSED ||
            !ss_timed(sk, s)) {
            continue;
        }
        uint64_t due = sock_secure__due(sk, s, now); /* (reads the clock into *now) */
        if (due == UINT64_MAX) {
            continue;
        }
        any = true; /* (what the session's timer work does may leave it some: counted) */
        if (due > *now) {
            continue;
        }
        events += sock_secure__timer_due(sk, s, *now);
    }
    if (!any) {
        sk->work &= (uint8_t)~SW_TIMERS;
    }
    return events;
}

/*
 * The transport reports an error about one peer (@p err, with its endpoint @p from; reported
 * once, nothing more to read of it): a stream connection that ended, or what the network said
 * about a datagram peer (ICMP port unreachable: -ECONNREFUSED, -EHOSTUNREACH, ...). A stream's
 * session and a client session of that peer fail with it; on a server session (an ICMP error
 * is easy to forge, and a server serves many peers), or with no session, a datagram peer's error
 * ends nothing: it is counted (peer_errors) and shown to peer_error_cb. docs/DESIGN.md, "Errors
 * about a peer (ICMP)".
 */
static int ss_peer_error(sock_secure_t *sk, const sock_secure_ep_t *from, int err)
{
    sock_secure_session_t *s = sock_secure__find(sk, from);
    if (s != NULL && (ss_stream(sk) || !ss_server_session(sk, s))) {
        return sock_secure__fail(sk, s, err);
    }
    if (!ss_stream(sk)) { /* (a stream connection without a session: one being refused) */
        sk->stats.peer_errors++;
        if (sk->cfg.peer_error_cb != NULL) {
            sk->cfg.peer_error_cb(sk, from, err, sk->cfg.peer_error_arg);
        }
    }
    return 0;
}

/* ---- public API ----------------------------------------------------------------------------- */

/* Has the receiver waiting in recv (@p want, or NULL: any session) a record to take? */
static bool ss_record_for(sock_secure_t *sk, const sock_secure_session_t *want)
{
    if (sk->rcv != NULL && sk->rcv->got != NULL) {
        return true;
    }
    if (want != NULL) {
        return (want->flags & SF_UNREAD) != 0;
    }
    if (!(sk->work & SW_UNREAD)) {
        return false;
    }
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        if (sk->cfg.sessions[i].flags & SF_UNREAD) {
            return true;
        }
    }
    sk->work &= (uint8_t)~SW_UNREAD;
    return false;
}

/*
 * sock_secure_process(), and the same for a receiver waiting in recv (@p until_record): that one
 * stops reading the transport once a record for it (@p want, or NULL: any session's) is there,
 * instead of reading until the transport has nothing more (one failing system call per record).
 */
static int ss_process(sock_secure_t *sk, bool until_record, const sock_secure_session_t *want)
{
    sk->in_process = true;
    uint64_t now = SS_CLOCK_UNREAD; /* read once, when first needed (ss_clock) */
    int events = ss_run_timers(sk, &now);
    int rc = 0;
    if (sk->held != NULL && !(sk->held->flags & SF_UNREAD)) { /* input read earlier first */
        sock_secure_session_t *h = sk->held;
        events += ss_step(sk, h);
        ss_hold(sk, h);
    }
    if (ss_stream(sk)) {
        events += sock_secure__run_streams(sk);
    }
    /* records still buffered in the stack come before new datagrams */
    if (sk->work & SW_PENDING) {
        bool any = false;
        for (size_t i = 0; i < sk->cfg.session_count; i++) {
            sock_secure_session_t *s = &sk->cfg.sessions[i];
            if ((s->flags & SF_PENDING) && !(s->flags & SF_UNREAD) &&
                s->state == SOCK_SECURE_ST_OPEN) {
                events += ss_read_ready(sk, s);
                ss_hold(sk, s);
            }
            any = any || (s->flags & SF_PENDING);
        }
        if (!any) {
            sk->work &= (uint8_t)~SW_PENDING;
        }
    }
    sock_secure_session_t *e = ss_early_session(sk); /* one that waited for a record to be read */
    if (e != NULL && sock_secure__take_early(sk, e)) {
        events += ss_read_ready(sk, e);
        ss_hold(sk, e);
    }
    bool done = until_record && ss_record_for(sk, want);
    for (unsigned n = 0; !done && n < SS_PROCESS_BUDGET && sk->held == NULL && sk->open; n++) {
        sock_secure_ep_t from;
        from.family = SOCK_SECURE_AF_UNSPEC;
#if CONFIG_SOCK_SECURE_RX_BUFFER
        int len = sock_secure_transport_recv(sk->cfg.transport, sk->rx, sizeof(sk->rx), &from);
#else /* the datagram stays in the transport: its sender, length and record header */
        int len = sk->cfg.transport->ops->peek(sk->cfg.transport, sk->rx, sizeof(sk->rx), &from);
        if (len > CONFIG_SOCK_SECURE_MAX_DATAGRAM) {
            ss_discard(sk);
            len = -EMSGSIZE;
        }
#endif
        if (len == -EAGAIN) {
            break;
        }
        if (len == -EMSGSIZE) {
            sk->stats.drop_oversize++;
            continue;
        }
        if (len < 0 && from.family != SOCK_SECURE_AF_UNSPEC) {
            events += ss_peer_error(sk, &from, len);
            continue;
        }
        if (len < 0) {
            rc = -EIO;
            break;
        }
        sk->stats.datagrams_in += len > 0;
        sock_secure_session_t *to;
        events += ss_dispatch(sk, &from, (size_t)len, &now, &to);
        done = until_record && to != NULL &&
               (((to->flags & SF_UNREAD) && (want == NULL || to == want)) ||
                (sk->rcv != NULL && sk->rcv->got != NULL));
    }
    sk->in_process = false;
    return rc < 0 ? rc : events;
}

int sock_secure_process(sock_secure_t *sk)
{
    if (sk == NULL || !sk->open) {
        return -EINVAL;
    }
    if (sk->in_process) {
        return 0;
    }
    return ss_process(sk, false, NULL);
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
        (void)sock_secure_transport_wait(sk->cfg.transport, t);
    }
}

int sock_secure_connect(sock_secure_t *sk, const sock_secure_ep_t *remote,
                        sock_secure_session_t **session, uint32_t timeout_ms)
{
    return sock_secure_connect_resume(sk, remote, NULL, NULL, 0, session, timeout_ms);
}

int sock_secure_connect_to(sock_secure_t *sk, const sock_secure_ep_t *remote, const char *server_name,
                           sock_secure_session_t **session, uint32_t timeout_ms)
{
    return sock_secure_connect_resume(sk, remote, server_name, NULL, 0, session, timeout_ms);
}

int sock_secure_connect_resume(sock_secure_t *sk, const sock_secure_ep_t *remote,
                               const char *server_name, const void *blob, size_t blob_len,
                               sock_secure_session_t **session, uint32_t timeout_ms)
{
    if (sk == NULL || !sk->open || remote == NULL || session == NULL ||
        sk->cfg.role == SOCK_SECURE_SERVER || remote->family == SOCK_SECURE_AF_UNSPEC ||
        (blob == NULL && blob_len > 0) || (blob != NULL && blob_len == 0)) {
        return -EINVAL;
    }
    if (blob != NULL && sk->drv->session_resume == NULL) {
        return -ENOTSUP;
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
    sock_secure_psk_t psk; /* the application's choice for this session, if it makes one */
    if (sk->cfg.psk_select != NULL &&
        ((rc = sk->cfg.psk_select(sk->cfg.psk_select_arg, remote, &psk)) < 0 ||
         (rc = sock_secure__check_psk(&psk)) < 0)) {
        return rc;
    }
    if (ss_stream(sk)) {
        rc = sk->cfg.transport->ops->connect(sk->cfg.transport, remote);
        if (rc < 0 && rc != -EINPROGRESS) {
            return rc;
        }
    }
    rc = sock_secure__start(sk, s, remote, true, server_name ? server_name : sk->cfg.server_name,
                            sk->cfg.psk_select != NULL ? &psk : NULL);
    if (rc == 0 && blob != NULL) {
        rc = sk->drv->session_resume(s->drv, blob, blob_len);
        if (rc < 0) {
            sock_secure__release(sk, s);
        }
    }
    if (rc < 0) {
        if (ss_stream(sk)) {
            sk->cfg.transport->ops->disconnect(sk->cfg.transport, remote);
        }
        return rc;
    }
    *session = s;
    rc = sk->drv->handshake(s->drv);
    if (rc != -EAGAIN && rc < 0) {
        sock_secure__end(sk, s, rc);
        return s->last_error;
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

int sock_secure_session_send(sock_secure_session_t *s, const void *data, size_t len)
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
        SS_SESSION_STAT(s->records_out++);
    } else if (sock_secure_error_is_fatal(rc)) {
        (void)sock_secure__fail(sk, s, rc);
    }
    return rc;
}

/* The next session with an unread record, taking turns so that no peer starves the others. */
static sock_secure_session_t *ss_next_unread(sock_secure_t *sk)
{
    size_t n = sk->cfg.session_count;
    if (!(sk->work & SW_UNREAD)) {
        return NULL;
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = (sk->next_unread + k) % n;
        if (sk->cfg.sessions[i].flags & SF_UNREAD) {
            sk->next_unread = (i + 1) % n;
            return &sk->cfg.sessions[i];
        }
    }
    sk->work &= (uint8_t)~SW_UNREAD;
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
        SS_SESSION_STAT(s->records_in++);
        if (ss_stream(sk) || sk->drv->pending(s->drv)) {
            s->flags |= SF_PENDING; /* streams: the rest of the record, or more bytes */
            sk->work |= SW_PENDING;
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
    if (!(sk->work & SW_ENDED)) {
        return -EAGAIN;
    }
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
    sk->work &= (uint8_t)~SW_ENDED;
    return -EAGAIN;
}

/* The loop of both receive calls: a record of @p want (NULL: of any session) or what ended,
 * processing input and waiting until @p timeout_ms has passed. */
static int ss_recv(sock_secure_t *sk, sock_secure_session_t **from, sock_secure_session_t *want,
                   void *buf, size_t len, uint32_t timeout_ms)
{
    uint64_t deadline = ss_deadline(sk, timeout_ms);
    for (;;) {
        int rc = ss_take_record(sk, from, want, buf, len);
        if (rc != -EAGAIN || sk->in_process) {
            return rc;
        }
        struct sock_secure_receiver r = { want, buf, len, NULL, 0 };
        sk->rcv = sk->cfg.event_cb == NULL && !ss_stream(sk) && len > 0 ? &r : NULL;
        rc = ss_process(sk, true, want);
        sk->rcv = NULL;
        if (r.got != NULL) {
            if (from != NULL) {
                *from = r.got;
            }
            return r.rc; /* taken during process() (a session failure there ends nothing taken) */
        }
        if (rc < 0) {
            return rc;
        }
        rc = ss_take_record(sk, from, want, buf, len);
        if (rc != -EAGAIN) {
            return rc;
        }
        if (deadline == 0 || ss_now(sk) >= deadline) {
            return timeout_ms == 0 ? -EAGAIN : -ETIMEDOUT;
        }
        ss_wait(sk, deadline);
    }
}

int sock_secure_recv_any(sock_secure_t *sk, sock_secure_session_t **from, void *buf, size_t len,
                         uint32_t timeout_ms)
{
    if (from != NULL) {
        *from = NULL; /* an output only: never a stale session from an earlier call */
    }
    if (sk == NULL || !sk->open || (buf == NULL && len > 0)) {
        return -EINVAL;
    }
    return ss_recv(sk, from, NULL, buf, len, timeout_ms);
}

int sock_secure_session_recv(sock_secure_session_t *s, void *buf, size_t len, uint32_t timeout_ms)
{
    if (!ss_session_valid(s) || (buf == NULL && len > 0)) {
        return -EINVAL; /* NULL, a free slot, or the socket is closed */
    }
    return ss_recv(s->owner, NULL, s, buf, len, timeout_ms);
}

int sock_secure_session_pending(sock_secure_session_t *s)
{
    if (s == NULL) {
        return -EINVAL;
    }
    if (!ss_session_valid(s) || !(s->flags & SF_UNREAD)) {
        return 0;
    }
    int rc = s->owner->drv->read(s->drv, NULL, 0); /* with len 0 only the size */
    return rc > 0 ? rc : 0;
}
