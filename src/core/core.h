/*
 * The core's private declarations: what the files of src/core/ share (docs/DESIGN.md, "Core
 * modules"), and what src/platform's credential loader uses of the store. Not installed, not API.
 *
 * Naming: a function one core file calls in another is named sock_secure__xxx (double
 * underscore: internal), so every global symbol of the library carries its prefix; everything
 * else is static (ss_xxx). Internal functions return the codes of error.h, like the API.
 */
#ifndef SS_CORE_H
#define SS_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "../common/dtls_wire.h" /* SS_DTLS_RECORD_HDR, SS_DTLS_HS_HDR, ... */
#include "secure_sock/creds.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/tlsman.h"

/* ---- credential store (creds.c), for its platform loaders ---------------------------------- */

/** Reserve @p len arena bytes for a new (tag, type) entry; *dst is where to write them.
 *  @return the entry index, -EINVAL, -EEXIST or -ENOMEM. */
int sock_secure__creds_reserve(sock_secure_creds_t *st, uint32_t tag,
                               sock_secure_cred_type_t type, size_t len, uint8_t **dst);

/** Finish entry @p index: NUL-terminate PEM, refuse a pinned key its tag already holds, let the
 *  backend check it; on failure the entry is removed (and zeroed). @return 0, -EEXIST or the
 *  check's error. */
int sock_secure__creds_commit(sock_secure_creds_t *st, int index);

/** Give up entry @p index before its commit (zeroed and removed, other entries untouched). */
void sock_secure__creds_abort(sock_secure_creds_t *st, int index);

/* ---- DTLS ClientHello parsing and HelloVerifyRequest writing (dtls_hello.c) ------------------
 * Stack-independent (RFC 6347 §4.2.1), so a server can answer cookie-less hellos without
 * creating any per-peer state. Servers only: defined with CONFIG_SOCK_SECURE_SERVER. */

/** What the server needs from a ClientHello (src/common/dtls_wire.h, shared with the drivers
 *  that answer hellos themselves). */
typedef ss_dtls_client_hello_t ss_client_hello_t;

/** True if the datagram starts with a plaintext (epoch 0) DTLS handshake record. */
int sock_secure__dtls_is_epoch0_handshake(const uint8_t *d, size_t len);

/**
 * Parse the first record of @p d as an unfragmented ClientHello.
 * @return 0 and @p ch filled, or -EINVAL if it is not one (every length is checked).
 */
int sock_secure__dtls_parse_client_hello(const uint8_t *d, size_t len, ss_client_hello_t *ch);

/**
 * Write a HelloVerifyRequest answering @p ch with @p cookie into @p out.
 * @return its length, or 0 if it does not fit @p out_max or the cookie is longer than 255.
 */
size_t sock_secure__dtls_write_hello_verify(const ss_client_hello_t *ch, const uint8_t *cookie,
                                            size_t cookie_len, uint8_t *out, size_t out_max);

/* ---- sessions: flags and the small helpers every module uses ------------------------------- */

/* session flags (sock_secure_session_t.flags) */
/* A per-session statistic (CONFIG_SOCK_SECURE_SESSION_STATS): the statements, or nothing. */
#if CONFIG_SOCK_SECURE_SESSION_STATS
#define SS_SESSION_STAT(...) do { __VA_ARGS__; } while (0)
#else
#define SS_SESSION_STAT(...) do { } while (0)
#endif

#define SF_TIMER   0x01u /* retransmission timer armed */
#define SF_OWNED   0x02u /* made by connect(): the slot is kept until session_close() */
#define SF_NEW     0x04u /* established server session not yet reported by accept() */
#define SF_PENDING 0x08u /* the stack holds undecrypted records (several in one datagram) */
#define SF_ENDED   0x10u /* closed/failed and not yet reported by recv() on any session */
#define SF_RESTART 0x20u /* a new handshake from the address of an established session */
#define SF_CLOSING 0x40u /* streams: session_close() called, output still being flushed */
#define SF_NOTIFIED 0x80u /* streams: close_notify handed to the stack */
#define SF_UNREAD  0x100u /* a decrypted record waits for the application */
#define SF_UNVERIFIED 0x200u /* server: its first hello (in sk->rx) is being handed to a stack
                                that checks cookies itself */
#define SF_SENT    0x800u /* a datagram went out since the flag was last cleared (engine.c) */
#define SF_RENEWED 0x400u /* a renegotiation completed inside a driver call: RENEWED to raise */

/* sock_secure_t.work: which per-session scans of process() and recv() may find something. A
 * bit is set wherever a session may start to need the scan, and cleared only by a scan that found
 * no session needing it, so with one or with many slots a record costs no scan that has nothing
 * to do (an established session without timers, records buffered or unread, none ended). */
#define SW_PENDING 0x01u /* a session may have SF_PENDING */
#define SW_UNREAD  0x02u /* ... SF_UNREAD */
#define SW_ENDED   0x04u /* ... SF_ENDED */
#define SW_TIMERS  0x08u /* ... timer work: sock_secure__due() other than UINT64_MAX */

/* Keep a function out of its caller (server.c: ss_probe's session is large; engine.c: the
 * handshake step, whose saved registers a record's path would pay for). */
#if defined(__GNUC__)
#define SS_NOINLINE __attribute__((noinline))
#else
#define SS_NOINLINE
#endif

/* Peer id for cookies: family, address, port, scope. */
#define SS_PEER_ID_LEN (1u + 16u + 2u + 4u)

/* The compile-time switches (config.h) make these constants, so the branches of the shared code
 * that only a server or a stream socket takes fold away; the server and stream modules
 * themselves are compiled out (see "optional modules" below). */
static inline bool ss_stream(const sock_secure_t *sk)
{
    return CONFIG_SOCK_SECURE_STREAMS && sk->stream;
}

/* The socket accepts new peers (a server, or a client-server). */
static inline bool ss_server(const sock_secure_t *sk)
{
    return CONFIG_SOCK_SECURE_SERVER && sk->cfg.role != SOCK_SECURE_CLIENT;
}

/* A server session: made from a ClientHello (a client-server socket's connect() sessions are
 * client sessions, marked SF_OWNED like every session connect() makes). */
static inline bool ss_server_session(const sock_secure_t *sk, const sock_secure_session_t *s)
{
    return ss_server(sk) && !(s->flags & SF_OWNED);
}

static inline uint64_t ss_now(const sock_secure_t *sk)
{
    return sk->cfg.clock(sk->cfg.clock_arg);
}

/* The clock as one process() call sees it: read once, when first needed (SS_CLOCK_UNREAD
 * before). */
#define SS_CLOCK_UNREAD UINT64_MAX

static inline uint64_t ss_clock(const sock_secure_t *sk, uint64_t *now)
{
    if (*now == SS_CLOCK_UNREAD) {
        *now = ss_now(sk);
    }
    return *now;
}

/* A session's timestamps keep the clock's low 32 bits: the moment stamp @p t stood for, seen
 * from @p now. Right across the wrap of those bits (every 2^32 ms, 49.7 days) as long as @p t
 * is less than 2^32 ms old: a timer is never longer than that (uint32_t ms), and the engine
 * looks at a due timer when sock_secure_next_timeout() says (docs/DESIGN.md, "Timers"). */
static inline uint64_t ss_when(uint64_t now, uint32_t t)
{
    return now - (uint32_t)((uint32_t)now - t);
}

/* A handshake's last progress (its start, or the peer's latest flight), and noting one now. */
static inline uint64_t ss_progress(const sock_secure_session_t *s, uint64_t now)
{
    return ss_when(now, s->started_ms) + s->progress_ms;
}

static inline void ss_note_progress(sock_secure_session_t *s, uint64_t now)
{
    s->progress_ms = (uint32_t)now - s->started_ms;
}

static inline bool ss_session_valid(const sock_secure_session_t *s)
{
    return s != NULL && s->owner != NULL && s->owner->open && s->state != SOCK_SECURE_ST_FREE;
}

static inline int ss_emit(sock_secure_t *sk, sock_secure_session_t *s, sock_secure_event_t ev,
                          int err)
{
    if (sk->cfg.event_cb != NULL) {
        sk->cfg.event_cb(sk, s, ev, err, sk->cfg.event_arg);
    }
    return 1;
}

/* ---- configuration (create.c) ----------------------------------------------------------------- */

/** A PSK within the limits: identity of 1..CONFIG_SOCK_SECURE_PSK_ID_MAX bytes, key of
 *  1..CONFIG_SOCK_SECURE_PSK_KEY_MAX, neither NULL. @return 0 or -EINVAL. */
int sock_secure__check_psk(const sock_secure_psk_t *p);

/* ---- the suite table (suites.c) ------------------------------------------------------------- */

/** Can @p drv (NULL: false) use table suite @p suite on a datagram or stream transport?
 *  (sock_secure_suite_supported() by driver: what create checks for each suite.) */
bool sock_secure__suite_supported(const tlsman_driver_t *drv, uint16_t suite, bool datagram);

/* ---- the memory BIO (io.c) ---------------------------------------------------------------- */

/** The callbacks every session's driver state is given (tlsman_config_t.io); their context is
 *  the sock_secure_session_t. */
extern const tlsman_io_t sock_secure__io;

/* ---- the slot table and its events (session.c) ---------------------------------------------- */

/** Zero @p n bytes at @p p in a way the compiler cannot drop as a dead store (keys). */
void sock_secure__zero(void *p, size_t n);

/** The active (HANDSHAKE or OPEN) session of @p remote, or NULL. */
sock_secure_session_t *sock_secure__find(sock_secure_t *sk, const sock_secure_ep_t *remote);

/** A free slot, else (servers) the slot of a session that ended and that no caller holds, or
 *  NULL. */
sock_secure_session_t *sock_secure__alloc(sock_secure_t *sk);

/** The peer id the driver's cookies are bound to: family, address, port, scope. */
void sock_secure__peer_id(const sock_secure_ep_t *remote, uint8_t id[SS_PEER_ID_LEN]);

/** Start a handshake in slot @p s with @p remote: a server session, or (@p client) a client
 *  session, marked SF_OWNED, expecting @p server_name (see sock_secure_config_t.server_name) and
 *  offering @p psk (NULL: the socket's). @return 0, or the driver's error (the slot is left
 *  FREE). */
int sock_secure__start(sock_secure_t *sk, sock_secure_session_t *s, const sock_secure_ep_t *remote,
                       bool client, const char *server_name, const sock_secure_psk_t *psk);

/** The session ended with @p err (failure or peer close): its stack state is freed, the slot
 *  stays CLOSED until reused or closed. No event. */
void sock_secure__end(sock_secure_t *sk, sock_secure_session_t *s, int err);

/** Free the slot entirely (HelloVerifyRequest answered, abandoned connect, session_close). */
void sock_secure__release(sock_secure_t *sk, sock_secure_session_t *s);

/** The session failed, or the peer ended it (close_notify, restart): end it and raise ERROR or
 *  CLOSED. @return the events raised (1). */
int sock_secure__fail(sock_secure_t *sk, sock_secure_session_t *s, int err);

/** We end the session (idle, deadline, eviction, displacement): close_notify if it is
 *  established, count it in @p counter, raise EXPIRED. @return the events raised (1). */
int sock_secure__expire(sock_secure_t *sk, sock_secure_session_t *s, int err, uint32_t *counter);

/** The handshake of @p s completed: OPEN, CONNECTED raised (and a restarted peer's old session
 *  ended). @return the events raised. */
int sock_secure__established(sock_secure_t *sk, sock_secure_session_t *s);

/* ---- RFC 6347 timers and deadlines (timers.c) ---------------------------------------------- */

/** The earliest moment session @p s has timer work: retransmission, handshake deadline, idle
 *  (UINT64_MAX: none). Reads the clock into @p now (ss_clock) if it has some. */
uint64_t sock_secure__due(const sock_secure_t *sk, const sock_secure_session_t *s, uint64_t *now);

/* Has session @p s timer work at all? Inline: the engine's scan asks it for every session on
 * every process() call, and only a session with some costs a call (sock_secure__due). */
static inline bool ss_timed(const sock_secure_t *sk, const sock_secure_session_t *s)
{
    return (s->flags & SF_TIMER) ||
           (s->state == SOCK_SECURE_ST_HANDSHAKE && ss_server_session(sk, s)) ||
           (s->state == SOCK_SECURE_ST_OPEN && sk->cfg.idle_timeout_ms > 0);
}

/** Act on session @p s, whose timer work is due at @p now (sock_secure__due() <= now): a server's
 *  handshake past its deadline or stalled ends, an idle session is closed, a flight is
 *  retransmitted (RFC 6347 §4.2.4: the timeout doubles). @return the events raised. */
int sock_secure__timer_due(sock_secure_t *sk, sock_secure_session_t *s, uint64_t now);

/* ---- the engine (engine.c), and the input helpers it shares with server.c ------------------- */

/* A receive call waiting inside process() for a record (sk->rcv while it runs): the first record
 * decrypted for it (want, or NULL: any session's) goes straight into its buffer instead of
 * being announced (DATA event) and read in a second step. Only without an event callback,
 * which could otherwise see a DATA event for a record it can no longer read, and on datagrams. */
struct sock_secure_receiver {
    const sock_secure_session_t *want; /* NULL: any session */
    uint8_t *buf;
    size_t len;                        /* > 0 */
    sock_secure_session_t *got;        /* the session whose record was taken, NULL: none yet */
    int rc;                            /* its length */
};

/** Advance one session with whatever input it has (a datagram in sk->in, or buffered records).
 *  @return the events raised. */
int sock_secure__step(sock_secure_t *sk, sock_secure_session_t *s);

/* A stream connection we will not serve is closed (its bytes cannot just be dropped). */
static inline void ss_refuse(sock_secure_t *sk, const sock_secure_ep_t *from)
{
    if (ss_stream(sk)) {
        sk->cfg.transport->ops->disconnect(sk->cfg.transport, from);
    }
}

/* Without a receive buffer (CONFIG_SOCK_SECURE_RX_BUFFER 0) a session's datagram waits in the
 * transport (sk->in NULL) until its stack's receive call reads it there (io.c); one nobody takes
 * is read into the header buffer, which drops it (-EMSGSIZE). */
_Static_assert(CONFIG_SOCK_SECURE_RX_BUFFER ||
                   sizeof(((sock_secure_t *)0)->rx) == SS_DTLS_RECORD_HDR,
               "without a receive buffer, sock_secure_t.rx holds a DTLS record header");

static inline void ss_discard(sock_secure_t *sk)
{
    (void)sock_secure_transport_recv(sk->cfg.transport, sk->rx, sizeof(sk->rx), NULL);
}

/* Is the input of sk->in_for still in the transport? Always without a receive buffer, unless it
 * is the early datagram (sk->in set: early.c). */
static inline bool ss_input_in_transport(const sock_secure_t *sk)
{
    return !CONFIG_SOCK_SECURE_RX_BUFFER && (!CONFIG_SOCK_SECURE_EARLY_DATAGRAM || sk->in == NULL);
}

/* The input of sk->in_for is not taken: forget it (a datagram still in the transport is dropped). */
static inline void ss_drop_input(sock_secure_t *sk)
{
    if (ss_input_in_transport(sk)) {
        ss_discard(sk);
    }
    sk->in_for = NULL;
}

#if CONFIG_SOCK_SECURE_STREAMS
/** Streams: give @p s's input (bytes past the record it has not had read) back to its paused
 *  connection (the transport's `unread` op), so that other connections are read meanwhile.
 *  @return true if the transport took them (@p s then has no input here). */
bool sock_secure__stream_give_back(sock_secure_t *sk, sock_secure_session_t *s);
#else
static inline bool sock_secure__stream_give_back(sock_secure_t *sk, sock_secure_session_t *s)
{
    (void)sk;
    (void)s;
    return false;
}
#endif

/* After a step: stream bytes the stack did not take yet stay (sk->in, in sk->rx), and no more is
 * read from the transport until they are - unless they follow a record the application has not
 * read: those go back to the (paused) connection (the transport's `unread` op), so that other
 * connections are read meanwhile; a datagram is kept only behind an unread record (in
 * sk->rx, or still in the transport without a receive buffer), else dropped. */
static inline void ss_hold(sock_secure_t *sk, sock_secure_session_t *s)
{
    bool own = sk->in_for == s; /* another session's input (or none) stays as it is */
    if (own && ss_stream(sk) && (s->flags & SF_UNREAD) && sock_secure__stream_give_back(sk, s)) {
        own = false;
    }
    if (own && s->state != SOCK_SECURE_ST_FREE && (ss_stream(sk) || (s->flags & SF_UNREAD))) {
        sk->held = s; /* a datagram is kept only for a session whose record is still unread */
        return;
    }
    if (own) {
        ss_drop_input(sk);
    }
    if (sk->held == s) {
        sk->held = NULL;
    }
}

/* Has @p s input the core handed it (sk->in), not yet taken by its stack? */
static inline bool ss_has_input(const sock_secure_t *sk, const sock_secure_session_t *s)
{
    return sk->in_for == s;
}

/* Does anything read a session's last activity (active_ms)? A server's eviction (the least
 * recently active goes first) and the idle timeout; a client without an idle timeout does not, so
 * its record path need not read the clock. */
static inline bool ss_tracks_activity(const sock_secure_t *sk)
{
    return ss_server(sk) || sk->cfg.idle_timeout_ms > 0;
}

/* Hand session @p s its input, @p len bytes at @p d, received at @p now (ms; read only if
 * ss_tracks_activity()). */
static inline void ss_feed(sock_secure_session_t *s, const uint8_t *d, size_t len, uint64_t now)
{
    sock_secure_t *sk = s->owner;
    sk->in_for = len ? s : NULL; /* 0 bytes: a new stream connection, nothing to read yet */
    sk->in = d;
    sk->in_len = len;
    SS_SESSION_STAT(s->bytes_in += len; s->dgrams_in++);
    s->active_ms = (uint32_t)now;
}

/* ---- optional modules: compiled to nothing when their switch is 0, stubs here instead ------- */

/* early.c: application data that overtook the Finished, kept for after the handshake */
#if CONFIG_SOCK_SECURE_EARLY_DATAGRAM > 0
/* The session the kept datagram is for, or NULL. */
static inline sock_secure_session_t *ss_early_session(const sock_secure_t *sk)
{
    return sk->early;
}

/** Keep the datagram in sk->rx (@p len bytes) for @p s (handshaking) if it starts with
 *  application data of a later epoch and the buffer is free. @return true if kept. */
bool sock_secure__keep_early(sock_secure_t *sk, sock_secure_session_t *s, size_t len);

/** If @p s owns the kept datagram and can take it now, make it the session's input.
 *  @return true if it did. */
bool sock_secure__take_early(sock_secure_t *sk, sock_secure_session_t *s);

/** Release the buffer if it is kept for @p s (the session ends). */
void sock_secure__forget_early(sock_secure_t *sk, const sock_secure_session_t *s);
#else
static inline sock_secure_session_t *ss_early_session(const sock_secure_t *sk)
{
    (void)sk;
    return NULL;
}

static inline bool sock_secure__keep_early(sock_secure_t *sk, sock_secure_session_t *s,
                                           size_t len)
{
    (void)sk;
    (void)s;
    (void)len;
    return false;
}

static inline bool sock_secure__take_early(sock_secure_t *sk, sock_secure_session_t *s)
{
    (void)sk;
    (void)s;
    return false;
}

static inline void sock_secure__forget_early(sock_secure_t *sk, const sock_secure_session_t *s)
{
    (void)sk;
    (void)s;
}
#endif

/* streams.c: TLS over TCP (sock_secure_create refuses a stream transport without it) */
#if CONFIG_SOCK_SECURE_STREAMS
/** Handshakes and output wait on writability, not only on input: retry handshakes, flush the
 *  established sessions' output. @return the events raised. */
int sock_secure__run_streams(sock_secure_t *sk);

/** session_close() of an established stream session: flush, close_notify, flush.
 *  @return 0, or -EAGAIN while the transport refuses output (call again). */
int sock_secure__stream_close(sock_secure_t *sk, sock_secure_session_t *s);
#else
static inline int sock_secure__run_streams(sock_secure_t *sk)
{
    (void)sk;
    return 0;
}

static inline int sock_secure__stream_close(sock_secure_t *sk, sock_secure_session_t *s)
{
    (void)sk;
    (void)s;
    return 0;
}
#endif

/* server.c: new peers, cookies and admission (sock_secure_create refuses a server without it) */
#if CONFIG_SOCK_SECURE_SERVER
/* DTLS record header (13 bytes) + handshake header (12): content type 22, version 0xFEzz,
 * epoch 0, msg_type 1. Only such a datagram may make a server create a session. Inline: the
 * server's demultiplexer asks it of every datagram. */
static inline bool ss_is_client_hello(const uint8_t *d, size_t len)
{
    return len >= SS_DTLS_RECORD_HDR + SS_DTLS_HS_HDR && d[0] == SS_CT_HANDSHAKE &&
           sock_secure__dtls_is_epoch0_handshake(d, len) && d[SS_DTLS_RECORD_HDR] == 1;
}

/** Server: a ClientHello (in sk->rx, @p len bytes) from a peer with no session, or from one
 *  that restarted (@p old: its established session); on streams, a new connection (@p len 0).
 *  Nothing is kept before the peer proved its address. @return the events raised. */
int sock_secure__new_peer(sock_secure_t *sk, const sock_secure_ep_t *from, size_t len,
                          sock_secure_session_t *old);

/** A server session's first hello (SF_UNVERIFIED), refused by a stack that checks cookies
 *  itself: true if the peer had not proved its address (no cookie, or a hello the stack could
 *  not decode), so the refusal is no one's (no slot, no event). */
bool sock_secure__refused_unproven(sock_secure_t *sk, sock_secure_session_t *s);
#else
static inline bool ss_is_client_hello(const uint8_t *d, size_t len)
{
    (void)d;
    (void)len;
    return false;
}

static inline int sock_secure__new_peer(sock_secure_t *sk, const sock_secure_ep_t *from, size_t len,
                                        sock_secure_session_t *old)
{
    (void)sk;
    (void)from;
    (void)len;
    (void)old;
    return 0;
}

static inline bool sock_secure__refused_unproven(sock_secure_t *sk, sock_secure_session_t *s)
{
    (void)sk;
    (void)s;
    return false;
}
#endif

#endif
