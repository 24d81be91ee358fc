/**
 * @file sock_dtls.c
 * @brief RIOT's `sock_dtls` API (net/sock/dtls.h, net/sock/dtls/creds.h, net/sock/async.h) on
 *        secure_sock: module sock_dtls_secure_sock, which provides `sock_dtls` instead of
 *        tinyDTLS's `tinydtls_sock_dtls` (see docs/RIOT.md).
 *
 * Each sock_dtls_t takes an entry of a static pool: a secure socket over the application's UDP
 * sock (a transport whose recv/send are sock_secure_riot_udp_recv_from/send_to), its
 * CONFIG_DTLS_PEER_MAX session slots, and the bookkeeping of what the API reports:
 * - `new_hs`: sessions established and not yet reported by recv (-SOCK_DTLS_HANDSHAKE, once each,
 *   before any record of theirs);
 * - `unread`: sessions holding a decrypted record (the core keeps it until it is read);
 * - `fail`: the error of a handshake this sock started, reported once by recv.
 * The core's events (CONNECTED, DATA, CLOSED/ERROR/EXPIRED) set these bits and raise the
 * application's SOCK_ASYNC_CONN_RECV / MSG_RECV / CONN_FIN; a session that ends frees its slot.
 *
 * Threads: every call takes the sock's recursive mutex, so gcoap's thread (receiving) and its
 * callers (sending) are serialised; a callback may call the API again (same thread). A blocking
 * call releases the mutex while it sleeps on `ready`, which the UDP sock's callback releases when
 * a datagram arrives, and wakes up for the socket's next timer (retransmissions, RFC 6347).
 * With an event queue (sock_dtls_event_init()), datagrams and timers are processed in the queue's
 * thread: a ztimer posts an event at the socket's next deadline, so handshakes are retransmitted
 * although nobody blocks in recv.
 *
 * Roles: a client sock is a secure_sock client; a server sock is a client-server
 * (SOCK_SECURE_CLIENT_SERVER, with CONFIG_SOCK_SECURE_CLIENT_SERVER), so that it also starts
 * handshakes (gcoap's client requests), else a plain server.
 *
 * Credentials come from credman by tag: a server looks the client's identity up among its tags'
 * PSKs at each handshake. Each handshake the sock starts offers the PSK its callback picks:
 * on a stack that hands the server's hint to the client (SOCK_SECURE_CAP_PSK_FOR_HINT: tinyDTLS)
 * the callback is asked during the handshake with the hint (psk_for_hint), and without its choice
 * the credential whose credman hint is the server's, as RIOT's tinyDTLS sock_dtls does; on
 * mbedTLS 2.28, which neither sends nor reads a hint, it is asked before the handshake with none
 * (psk_select). Else the first PSK of its tags, and - CONFIG_SOCK_DTLS_PSK_RETRY - the next one
 * when the server refuses the handshake with an alert (not after a choice by the hint). A server
 * sends the hint of sock_dtls_set_server_psk_id_hint() where the stack can (tinyDTLS).
 *
 * ECDSA credentials (raw public keys, RFC 7250; CONFIG_SOCK_DTLS_SECURE_SOCK_RPK, on with
 * CONFIG_DTLS_ECC): the first ECDSA credential of the sock's tags is its own key (in both roles:
 * a server sock is a client-server), and - module sock_dtls_verify_public_key - the client_keys
 * of all of them are its pinned peer keys, which every session then checks (without the module
 * any peer key is taken, as on tinyDTLS's sock_dtls). They are copied into the pool entry's
 * credential store (DER: SEC1 key, SubjectPublicKeyInfo) when the secure socket is made, so
 * adding or removing an ECDSA credential makes it again (-EBUSY while a session is open). A stack
 * without raw public keys (mbedTLS) refuses the configuration: sock_dtls_create() or
 * sock_dtls_add_credential() returns -ENOTSUP. The key is one per sock: sock_dtls_set_rpk_cb()'s
 * callback is kept but not asked per handshake (docs/RIOT.md).
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "container.h"
#include "irq.h"
#include "kernel_defines.h"
#include "net/af.h"
#include "net/credman.h"
#include "net/dtls.h"
#include "net/sock/dtls.h" /* before net/sock/async.h, which uses its types */
#include "net/sock/dtls/creds.h"
#include "net/sock/async.h"
#include "ztimer.h"
#ifdef SOCK_HAS_ASYNC_CTX
#include "event.h"
#include "net/sock/async/event.h"
#endif

#include "secure_sock/sock_secure.h"
#include "sock_secure_riot_udp.h"

/* CFLAGS += -DSOCK_DTLS_SECURE_SOCK_DEBUG=1 traces events, handshakes started and waits */
#ifndef SOCK_DTLS_SECURE_SOCK_DEBUG
#define SOCK_DTLS_SECURE_SOCK_DEBUG 0
#endif
#define ENABLE_DEBUG SOCK_DTLS_SECURE_SOCK_DEBUG
#include "debug.h"

#ifndef SOCK_HAS_ASYNC
#error "sock_dtls_secure_sock needs sock_async (SOCK_HAS_ASYNC)"
#endif

/** Socks open at once (each holds a secure socket and CONFIG_DTLS_PEER_MAX sessions). */
#ifndef CONFIG_SOCK_DTLS_SECURE_SOCK_NUMOF
#define CONFIG_SOCK_DTLS_SECURE_SOCK_NUMOF 1
#endif
/** 1: a client whose PSK was not chosen by its callback tries its next PSK credential when the
 *  server refuses the handshake with an alert (no hint tells it which one the server expects). */
#ifndef CONFIG_SOCK_DTLS_PSK_RETRY
#define CONFIG_SOCK_DTLS_PSK_RETRY 1
#endif
/** 1: sock_dtls_set_server_psk_id_hint() succeeds although the stack cannot send a hint. */
#ifndef CONFIG_SOCK_DTLS_IGNORE_PSK_HINT
#define CONFIG_SOCK_DTLS_IGNORE_PSK_HINT 0
#endif
/** 1: ECDSA credentials become the secure socket's key and pinned keys (else -ENOTSUP). */
#ifndef CONFIG_SOCK_DTLS_SECURE_SOCK_RPK
#ifdef CONFIG_DTLS_ECC
#define CONFIG_SOCK_DTLS_SECURE_SOCK_RPK 1
#else
#define CONFIG_SOCK_DTLS_SECURE_SOCK_RPK 0
#endif
#endif
/** Largest message sock_dtls_sendv() gathers from several snips (bytes, on the stack). */
#ifndef CONFIG_SOCK_DTLS_SECURE_SOCK_GATHER
#define CONFIG_SOCK_DTLS_SECURE_SOCK_GATHER 256
#endif
/** Largest record sock_dtls_recv_buf() returns (one static buffer, linked only if used). */
#ifndef CONFIG_SOCK_DTLS_SECURE_SOCK_RECV_BUF
#define CONFIG_SOCK_DTLS_SECURE_SOCK_RECV_BUF 512
#endif

#define PEERS   CONFIG_DTLS_PEER_MAX
#define NO_TAG  0xFFu /* the client's PSK came from its callback */

static_assert(PEERS >= 1 && PEERS <= 8, "CONFIG_DTLS_PEER_MAX: 1..8 sessions per sock");

struct sock_dtls_secure_sock {
    sock_secure_transport_t base; /* transport over owner->udp_sock (first member) */
    sock_dtls_t *owner;           /* NULL: entry free */
    sock_secure_t sock;
    sock_secure_session_t slots[PEERS];
    bool started;                 /* sock created */
    int8_t pick_from;             /* _psk_select: first tag index to try, -1: the callback's */
    uint8_t picked;               /* ... the tag index it took, NO_TAG: the callback's choice */
    uint8_t slot_tag[PEERS];      /* client sessions: the tag index of the PSK offered */
    uint8_t est;                  /* slots established */
    uint8_t new_hs;               /* ... and not reported by recv yet */
    uint8_t unread;               /* slots holding a record for the application */
    uint8_t client;               /* slots of client sessions (this sock's handshakes) */
    uint8_t turn;                 /* next slot to read from (fairness) */
    const char *hint;             /* server: the PSK identity hint (the application's string) */
    bool for_hint;                /* client sessions: the callback gets the server's hint
                                     (_psk_for_hint), the stack can hand it over */
    int fail;                     /* a handshake we started failed: reported once by recv */
    sock_udp_ep_t fail_ep;
#if CONFIG_SOCK_DTLS_PSK_RETRY
    uint8_t retry_tag;            /* retry with this tag's PSK, NO_TAG: none */
    sock_secure_ep_t retry_ep;
#endif
#if CONFIG_SOCK_DTLS_SECURE_SOCK_RPK
    sock_secure_creds_t creds;    /* the ECDSA credentials as key and pinned keys (tag 1) */
    bool has_key;                 /* ... with an own key */
    bool has_pins;                /* ... and pinned keys */
#endif
#ifdef SOCK_HAS_ASYNC_CTX
    ztimer_t timer;               /* next deadline of the socket, with an event queue */
    event_t timer_ev;
#endif
};

static sock_dtls_secure_sock_t _pool[CONFIG_SOCK_DTLS_SECURE_SOCK_NUMOF];

/* ---- endpoints ------------------------------------------------------------------------------- */

/* A session is its peer's address and port; the interface counts for link-local addresses only
 * (as in tinyDTLS): GNRC reports the interface of every datagram, applications give none. */
static void _scope(sock_secure_ep_t *ep)
{
    if (ep->family != SOCK_SECURE_AF_INET6 || ep->addr[0] != 0xfe || (ep->addr[1] & 0xc0) != 0x80) {
        ep->scope_id = 0;
    }
}

static int _ep_in(sock_secure_ep_t *ep, const sock_udp_ep_t *u)
{
    int rc = sock_secure_riot_ep_from_udp(ep, u);
    if (rc < 0 || ep->port == 0) {
        return -EINVAL;
    }
    _scope(ep);
    return 0;
}

/* ---- the transport: the application's UDP sock ----------------------------------------------- */

/* the pool entry of the transport (its first member; via void *: the entry is more aligned) */
static sock_dtls_secure_sock_t *_ss(sock_secure_transport_t *t)
{
    return (sock_dtls_secure_sock_t *)(void *)t;
}

static int _t_recv(sock_secure_transport_t *t, void *buf, size_t len, sock_secure_ep_t *remote)
{
    int n = sock_secure_riot_udp_recv_from(_ss(t)->owner->udp_sock, buf,
                                           len, remote);
    if (n >= 0 && remote != NULL) {
        _scope(remote);
    }
    return n;
}

static int _t_send(sock_secure_transport_t *t, const void *buf, size_t len,
                   const sock_secure_ep_t *remote)
{
    return sock_secure_riot_udp_send_to(_ss(t)->owner->udp_sock, buf, len,
                                        remote);
}

static int _t_wait(sock_secure_transport_t *t, uint32_t timeout_ms)
{
    (void)t;
    (void)timeout_ms;
    return 0; /* the core's blocking calls are not used: this module waits itself (_wait) */
}

static int _t_local(sock_secure_transport_t *t, sock_secure_ep_t *local)
{
    sock_udp_ep_t ep;
    int rc = sock_udp_get_local(_ss(t)->owner->udp_sock, &ep);
    return rc < 0 ? rc : sock_secure_riot_ep_from_udp(local, &ep);
}

static void _t_close(sock_secure_transport_t *t)
{
    (void)t; /* the UDP sock is the application's */
}

static const sock_secure_transport_ops_t _ops = {
    .recv = _t_recv, .send = _t_send, .wait = _t_wait, .local = _t_local, .close = _t_close,
};

/* ---- credentials ----------------------------------------------------------------------------- */

/* The first PSK credential among the sock's tags from index @p from on. */
static int _psk_from(const sock_dtls_t *sock, unsigned from, credman_credential_t *c)
{
    for (unsigned i = from; i < sock->tags_len; i++) {
        if (credman_get(c, sock->tags[i], CREDMAN_TYPE_PSK) == CREDMAN_OK) {
            return (int)i;
        }
    }
    return -ENOENT;
}

/* Server: the key of a client's identity, from the PSKs under the sock's tags. */
static size_t _psk_lookup(void *arg, const uint8_t *id, size_t id_len, uint8_t *key, size_t max)
{
    const sock_dtls_t *sock = ((sock_dtls_secure_sock_t *)arg)->owner;
    credman_credential_t c;
    for (unsigned i = 0; i < sock->tags_len; i++) {
        if (credman_get(&c, sock->tags[i], CREDMAN_TYPE_PSK) == CREDMAN_OK &&
            c.params.psk.id.len == id_len && memcmp(c.params.psk.id.s, id, id_len) == 0 &&
            c.params.psk.key.len <= max) {
            memcpy(key, c.params.psk.key.s, c.params.psk.key.len);
            return c.params.psk.key.len;
        }
    }
    return 0;
}

/* ---- sessions and events --------------------------------------------------------------------- */

static bool _slot_ep(sock_dtls_secure_sock_t *ss, unsigned i, sock_udp_ep_t *ep)
{
    sock_secure_session_info_t info;
    return sock_secure_session_info(&ss->slots[i], &info) == 0 &&
           sock_secure_riot_ep_to_udp(ep, &info.remote) == 0;
}

/* The slot of a handshaking or established session with @p ep, NULL if none. */
static sock_secure_session_t *_find(sock_dtls_secure_sock_t *ss, const sock_secure_ep_t *ep)
{
    for (unsigned i = 0; ss->started && i < PEERS; i++) {
        sock_secure_session_info_t info;
        if (sock_secure_session_info(&ss->slots[i], &info) == 0 &&
            (info.state == SOCK_SECURE_ST_HANDSHAKE || info.state == SOCK_SECURE_ST_OPEN) &&
            sock_secure_ep_equal(&info.remote, ep)) {
            return &ss->slots[i];
        }
    }
    return NULL;
}

/* Close the session of slot @p s from our side (no event follows) and forget what the slot's
 * bits said about it: a later session in the slot, a peer's, must not inherit its role (a failed
 * handshake of a peer is not the application's, nor retried with the next PSK). */
static void _drop(sock_dtls_secure_sock_t *ss, sock_secure_session_t *s)
{
    uint8_t keep = (uint8_t)~(1u << (s - ss->slots));
    ss->est &= keep;
    ss->new_hs &= keep;
    ss->unread &= keep;
    ss->client &= keep;
    sock_secure_session_close(s); /* close_notify if established; keys zeroed */
}

static void _raise(sock_dtls_t *sock, sock_async_flags_t flags)
{
    if (flags && sock->async_cb != NULL) {
        sock->async_cb(sock, flags, sock->async_cb_arg);
    }
}

#if CONFIG_SOCK_DTLS_PSK_RETRY
/* Client session @p i: the server refused its PSK (an alert during the handshake) and no callback
 * chose it: try the next PSK credential (after this session is gone). */
static bool _retry(sock_dtls_secure_sock_t *ss, unsigned i, const sock_secure_session_info_t *info)
{
    credman_credential_t c;
    int next;
    if (ss->slot_tag[i] == NO_TAG || info->alert_origin != SOCK_SECURE_ALERT_RECEIVED ||
        (next = _psk_from(ss->owner, ss->slot_tag[i] + 1u, &c)) < 0) {
        return false;
    }
    ss->retry_tag = (uint8_t)next;
    ss->retry_ep = info->remote;
    return true;
}
#endif

static void _on_event(sock_secure_t *sk, sock_secure_session_t *s, sock_secure_event_t ev,
                      int err, void *arg)
{
    sock_dtls_secure_sock_t *ss = arg;
    sock_dtls_t *sock = ss->owner;
    uint8_t bit = (uint8_t)(1u << (s - ss->slots));
    sock_async_flags_t flags = 0;
    (void)sk;
    DEBUG("sock_dtls: slot %u event %d (%d)\n", (unsigned)(s - ss->slots), (int)ev, err);

    if (ev == SOCK_SECURE_EV_CONNECTED) {
        ss->est |= bit;
        ss->new_hs |= bit;
        flags = SOCK_ASYNC_CONN_RECV;
    }
    else if (ev == SOCK_SECURE_EV_DATA) {
        ss->unread |= bit;
        flags = SOCK_ASYNC_MSG_RECV;
    }
    else { /* the session ended: closed by the peer, failed, or expired */
        sock_secure_session_info_t info;
        bool was_open = ss->est & bit;
        ss->est &= (uint8_t)~bit;
        ss->new_hs &= (uint8_t)~bit;
        ss->unread &= (uint8_t)~bit;
        if (sock_secure_session_info(s, &info) == 0) {
            bool ours = (ss->client & bit) != 0;
#if CONFIG_SOCK_DTLS_PSK_RETRY
            if (ours && !was_open && _retry(ss, (unsigned)(s - ss->slots), &info)) {
                ours = false; /* not reported: a new handshake follows */
            }
#endif
            if (ours && !was_open) {
                err = err ? err : info.last_error;
                ss->fail = err == -ETIMEDOUT ? -ETIMEDOUT : -ECONNREFUSED;
                sock_secure_riot_ep_to_udp(&ss->fail_ep, &info.remote);
            }
            if (was_open || ours) {
                sock_secure_riot_ep_to_udp(&sock->event_session, &info.remote);
                sock->has_event_session = true;
                flags = SOCK_ASYNC_CONN_FIN;
            }
        }
        ss->client &= (uint8_t)~bit;
        sock_secure_session_close(s); /* the slot is free again */
    }
    _raise(sock, flags);
}

static void _psk_of(sock_secure_psk_t *psk, const credman_credential_t *c)
{
    *psk = (sock_secure_psk_t){
        .identity = c->params.psk.id.s, .identity_len = c->params.psk.id.len,
        .key = c->params.psk.key.s, .key_len = c->params.psk.key.len,
    }; /* credman keeps pointers to the application's bytes: they stay valid */
}

/* Client sessions: the PSK to offer to @p remote - the application's callback's (called with no
 * hint, on a stack that cannot hand the hint over: mbedTLS 2.28 reads none; otherwise
 * _psk_for_hint asks it), else the first PSK of the tags from pick_from on. */
static int _psk_select(void *arg, const sock_secure_ep_t *remote, sock_secure_psk_t *psk)
{
    sock_dtls_secure_sock_t *ss = arg;
    sock_dtls_t *sock = ss->owner;
    credman_credential_t c;
    int from = ss->pick_from;
    int tag = NO_TAG;

    if (from < 0) {
        from = 0;
        if (sock->client_psk_cb != NULL && !ss->for_hint) {
            sock_udp_ep_t u;
            sock_secure_riot_ep_to_udp(&u, remote);
            credman_tag_t t = sock->client_psk_cb(sock, &u, sock->tags, sock->tags_len, NULL, 0);
            if (t != CREDMAN_TAG_EMPTY && credman_get(&c, t, CREDMAN_TYPE_PSK) == CREDMAN_OK) {
                from = -1;
            }
        }
    }
    if (from >= 0 && (tag = _psk_from(sock, (unsigned)from, &c)) < 0) {
        return -ENOENT; /* no PSK credential under the sock's tags */
    }
    ss->picked = (uint8_t)tag;
    _psk_of(psk, &c);
    return 0;
}

/* Client sessions, on a stack that hands the server's hint over (tinyDTLS): the application's
 * callback with the hint (NULL, 0 for none), else the PSK credential of the tags whose credman
 * hint is the server's (as RIOT's tinyDTLS sock_dtls); a choice replaces _psk_select's and ends
 * the retries with the next tag. Nothing chosen: 1, the session keeps _psk_select's PSK. */
static int _psk_for_hint(void *arg, const sock_secure_ep_t *remote, const uint8_t *hint,
                         size_t hint_len, sock_secure_psk_t *psk)
{
    sock_dtls_secure_sock_t *ss = arg;
    sock_dtls_t *sock = ss->owner;
    credman_credential_t c;
    bool chosen = false;

    if (sock->client_psk_cb != NULL) {
        sock_udp_ep_t u;
        sock_secure_riot_ep_to_udp(&u, remote);
        credman_tag_t t = sock->client_psk_cb(sock, &u, sock->tags, sock->tags_len,
                                              (const char *)hint, hint_len);
        chosen = t != CREDMAN_TAG_EMPTY && credman_get(&c, t, CREDMAN_TYPE_PSK) == CREDMAN_OK;
    }
    for (unsigned i = 0; !chosen && hint != NULL && i < sock->tags_len; i++) {
        chosen = credman_get(&c, sock->tags[i], CREDMAN_TYPE_PSK) == CREDMAN_OK &&
                 c.params.psk.hint.len == hint_len &&
                 memcmp(c.params.psk.hint.s, hint, hint_len) == 0;
    }
    if (!chosen) {
        return 1;
    }
    sock_secure_session_t *s = _find(ss, remote);
    if (s != NULL) {
        ss->slot_tag[s - ss->slots] = NO_TAG; /* the hint named it: a refusal is final */
    }
    _psk_of(psk, &c);
    return 0;
}

#if CONFIG_SOCK_DTLS_SECURE_SOCK_RPK
/* DER of a P-256 key: SEC1 ECPrivateKey (RFC 5915) and SubjectPublicKeyInfo (RFC 5480), the
 * fixed bytes before the 32-byte private key, before the public key (04 || x || y) in each. */
static const uint8_t _sec1_head[] = { 0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20 };
static const uint8_t _sec1_mid[] = { 0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
                                     0x01, 0x07, 0xa1, 0x44, 0x03, 0x42, 0x00, 0x04 };
static const uint8_t _spki_head[] = { 0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce,
                                      0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                      0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04 };
#define EC 32 /* bytes of a P-256 coordinate or private key */
#define KEY_TAG 1u

/* Public key @p k as SubjectPublicKeyInfo into @p der (sizeof(_spki_head) + 2 * EC bytes). */
static size_t _spki(uint8_t *der, const ecdsa_public_key_t *k)
{
    memcpy(der, _spki_head, sizeof(_spki_head));
    memcpy(der + sizeof(_spki_head), k->x, EC);
    memcpy(der + sizeof(_spki_head) + EC, k->y, EC);
    return sizeof(_spki_head) + 2 * EC;
}

/* Fill the entry's store from the ECDSA credentials of the sock's tags: the first one's key, and
 * (sock_dtls_verify_public_key) every one's client_keys pinned. 0, or the store's error. */
static int _load_keys(sock_dtls_t *sock)
{
    sock_dtls_secure_sock_t *ss = sock->ss;
    credman_credential_t c;
    uint8_t der[sizeof(_sec1_head) + EC + sizeof(_sec1_mid) + 2 * EC];
    int rc = sock_secure_creds_init(&ss->creds); /* zeroes what it held */

    ss->has_key = ss->has_pins = false;
    for (unsigned i = 0; rc == 0 && i < sock->tags_len; i++) {
        if (credman_get(&c, sock->tags[i], CREDMAN_TYPE_ECDSA) != CREDMAN_OK) {
            continue;
        }
        if (!ss->has_key) {
            uint8_t *p = der;
            memcpy(p, _sec1_head, sizeof(_sec1_head));
            memcpy(p += sizeof(_sec1_head), c.params.ecdsa.private_key, EC);
            memcpy(p += EC, _sec1_mid, sizeof(_sec1_mid));
            memcpy(p += sizeof(_sec1_mid), c.params.ecdsa.public_key.x, EC);
            memcpy(p += EC, c.params.ecdsa.public_key.y, EC);
            rc = sock_secure_creds_add(&ss->creds, KEY_TAG, SOCK_SECURE_CRED_PRIVATE_KEY, der,
                                       sizeof(der));
            for (volatile uint8_t *z = der; z < der + sizeof(der); z++) {
                *z = 0; /* the private key: volatile, so the wipe stays */
            }
            ss->has_key = rc == 0;
        }
        for (size_t k = 0; IS_USED(MODULE_SOCK_DTLS_VERIFY_PUBLIC_KEY) && rc == 0 &&
                           k < c.params.ecdsa.client_keys_size; k++) {
            rc = sock_secure_creds_add(&ss->creds, KEY_TAG, SOCK_SECURE_CRED_PEER_KEY, der,
                                       _spki(der, &c.params.ecdsa.client_keys[k]));
            if (rc == -EEXIST) {
                rc = 0; /* listed by two credentials */
            }
            ss->has_pins = ss->has_pins || rc == 0;
        }
    }
    return rc;
}
#endif

/* Create the secure socket: a client, or a server that (CONFIG_SOCK_SECURE_CLIENT_SERVER) also
 * starts handshakes, as gcoap's client requests do. */
static int _open(sock_dtls_t *sock)
{
    sock_dtls_secure_sock_t *ss = sock->ss;
    sock_secure_config_t cfg;

    sock_secure_config_init(&cfg);
    cfg.transport = &ss->base;
    cfg.sessions = ss->slots;
    cfg.session_count = PEERS;
    cfg.event_cb = _on_event;
    cfg.event_arg = ss;
    cfg.role = sock->role == SOCK_DTLS_CLIENT ? SOCK_SECURE_CLIENT
               : CONFIG_SOCK_SECURE_CLIENT_SERVER ? SOCK_SECURE_CLIENT_SERVER
                                                  : SOCK_SECURE_SERVER;
    /* PSKs where the stack has them (tinyDTLS may be built with ECC alone: CONFIG_DTLS_ECC) */
    sock_secure_backend_info_t info;
    bool psk = sock_secure_backend_info(NULL, &info) == 0 && (info.caps & SOCK_SECURE_CAP_PSK);
    if (psk && cfg.role != SOCK_SECURE_CLIENT) {
        cfg.psk_lookup = _psk_lookup;
        cfg.psk_lookup_arg = ss;
        cfg.psk_hint = ss->hint;
    }
    ss->for_hint = psk && cfg.role != SOCK_SECURE_SERVER &&
                   (info.caps & SOCK_SECURE_CAP_PSK_FOR_HINT) != 0;
    if (psk && cfg.role != SOCK_SECURE_SERVER) {
        cfg.psk_select = _psk_select;
        cfg.psk_select_arg = ss;
        if (ss->for_hint) {
            cfg.psk_for_hint = _psk_for_hint;
            cfg.psk_for_hint_arg = ss;
        }
    }
#if CONFIG_SOCK_DTLS_SECURE_SOCK_RPK
    static const uint32_t key_tag = KEY_TAG;
    int rc = _load_keys(sock);
    if (rc < 0) {
        return rc;
    }
    if (ss->has_key || ss->has_pins) {
        cfg.creds = &ss->creds;
        cfg.cred_tags = &key_tag;
        cfg.cred_tag_count = 1;
        /* pinned keys: every session checks its peer's; none: any key (tinyDTLS's sock_dtls) */
        cfg.verify = ss->has_pins ? SOCK_SECURE_VERIFY_REQUIRED : SOCK_SECURE_VERIFY_NONE;
    }
    rc = sock_secure_create(&ss->sock, &cfg);
#else
    int rc = sock_secure_create(&ss->sock, &cfg);
#endif
    ss->started = rc == 0;
    return rc;
}

/* Lock held: make the secure socket again with the sock's present configuration (the hint, the
 * ECDSA credentials), which only works before any session: -EBUSY while one is open, else what
 * _open() returns (the socket is then closed). */
static int _remake(sock_dtls_t *sock)
{
    sock_dtls_secure_sock_t *ss = sock->ss;
    for (unsigned i = 0; ss->started && i < PEERS; i++) {
        sock_secure_session_info_t si;
        if (sock_secure_session_info(&ss->slots[i], &si) == 0 &&
            (si.state == SOCK_SECURE_ST_HANDSHAKE || si.state == SOCK_SECURE_ST_OPEN)) {
            return -EBUSY;
        }
    }
    if (ss->started) {
        sock_secure_close(&ss->sock);
        ss->started = false;
    }
    return _open(sock);
}

/* Start a handshake with @p ep, its PSK from tag index @p tag_from on (-1: the application's
 * callback first). 1 started, 0 a session exists, or an error. */
static int _connect(sock_dtls_t *sock, const sock_secure_ep_t *ep, int tag_from)
{
    sock_dtls_secure_sock_t *ss = sock->ss;

    if (sock->role != SOCK_DTLS_CLIENT && !CONFIG_SOCK_SECURE_CLIENT_SERVER) {
        return -ENOTSUP; /* a server sock that starts no handshakes (docs/RIOT.md) */
    }
    if (_find(ss, ep) != NULL) {
        return 0;
    }
    sock_secure_session_t *s = NULL;
    ss->pick_from = (int8_t)tag_from;
    int rc = sock_secure_connect(&ss->sock, ep, &s, 0);
    DEBUG("sock_dtls: connect (PSK %u): %d\n", (unsigned)ss->picked, rc);
    if (rc == -EINPROGRESS) {
        unsigned i = (unsigned)(s - ss->slots);
        ss->slot_tag[i] = ss->picked;
        ss->client |= (uint8_t)(1u << i);
        return 1;
    }
    if (rc < 0 && s != NULL) {
        sock_secure_session_close(s);
    }
    return rc == -EALREADY ? 0 : rc;
}

#ifdef SOCK_HAS_ASYNC_CTX
static void _timer_cb(void *arg)
{
    sock_dtls_t *sock = arg;
    event_post(sock->async_ctx.queue, &sock->ss->timer_ev);
}
#endif

/* With an event queue: wake the queue's thread at the socket's next deadline. */
static void _rearm(sock_dtls_t *sock)
{
#ifdef SOCK_HAS_ASYNC_CTX
    sock_dtls_secure_sock_t *ss = sock->ss;
    if (ss == NULL || sock->async_ctx.queue == NULL || !ss->started) {
        return;
    }
    uint32_t t = sock_secure_next_timeout(&ss->sock);
    if (t == SOCK_SECURE_NO_TIMEOUT || (t == 0 && ss->unread)) {
        ztimer_remove(ZTIMER_MSEC, &ss->timer); /* nothing due, or a record waits for the app */
    }
    else {
        ztimer_set(ZTIMER_MSEC, &ss->timer, t ? t : 1);
    }
#else
    (void)sock;
#endif
}

/* Lock held: read what the transport has, run timers, dispatch events; then a PSK retry. */
static void _process(sock_dtls_t *sock)
{
    sock_dtls_secure_sock_t *ss = sock->ss;
    if (!ss->started) {
        return;
    }
    (void)sock_secure_process(&ss->sock);
#if CONFIG_SOCK_DTLS_PSK_RETRY
    if (ss->retry_tag != NO_TAG) {
        sock_secure_ep_t ep = ss->retry_ep;
        int rc = _connect(sock, &ep, ss->retry_tag);
        ss->retry_tag = NO_TAG;
        if (rc < 0) {
            ss->fail = -ECONNREFUSED;
            sock_secure_riot_ep_to_udp(&ss->fail_ep, &ep);
        }
    }
#endif
    _rearm(sock);
}

#ifdef SOCK_HAS_ASYNC_CTX
static void _timer_ev(event_t *ev)
{
    sock_dtls_t *sock = container_of(ev, sock_dtls_secure_sock_t, timer_ev)->owner;
    if (sock != NULL) {
        rmutex_lock(&sock->lock);
        _process(sock);
        rmutex_unlock(&sock->lock);
    }
}
#endif

/* UDP sock callback (network stack's thread, or the event queue's): wake a blocking call; with
 * an application callback, process the datagram here (tinyDTLS does the same). */
static void _udp_cb(sock_udp_t *udp, sock_async_flags_t flags, void *arg)
{
    sock_dtls_t *sock = arg;
    (void)udp;
    if (flags & SOCK_ASYNC_MSG_RECV) {
        mutex_unlock(&sock->ready);
        if (sock->async_cb != NULL) {
            rmutex_lock(&sock->lock);
            _process(sock);
            rmutex_unlock(&sock->lock);
        }
    }
    if (flags & SOCK_ASYNC_PATH_PROP) {
        _raise(sock, SOCK_ASYNC_PATH_PROP);
    }
}

/* Sleep (the lock released) until a datagram arrives, the socket's next timer or @p deadline
 * (ZTIMER_MSEC); @p forever ignores the deadline. false: the deadline has passed, or the call is
 * nested in a callback (it must not sleep holding the lock). */
static bool _wait(sock_dtls_t *sock, uint32_t deadline, bool forever)
{
    uint32_t left = UINT32_MAX;
    if (!forever) {
        int32_t d = (int32_t)(deadline - ztimer_now(ZTIMER_MSEC));
        if (d <= 0) {
            return false;
        }
        left = (uint32_t)d;
    }
    if (sock->lock.refcount > 1) {
        return false;
    }
    uint32_t t = sock->ss->started ? sock_secure_next_timeout(&sock->ss->sock)
                                   : SOCK_SECURE_NO_TIMEOUT;
    t = t < left ? t : left;
    DEBUG("sock_dtls: wait %" PRIu32 " ms\n", t);
    rmutex_unlock(&sock->lock);
    if (t == UINT32_MAX) {
        mutex_lock(&sock->ready);
    }
    else {
        ztimer_mutex_lock_timeout(ZTIMER_MSEC, &sock->ready, t ? t : 1);
    }
    rmutex_lock(&sock->lock);
    return true;
}

static uint32_t _ms(uint32_t us)
{
    return us == SOCK_NO_TIMEOUT ? UINT32_MAX : us / 1000u + (us % 1000u != 0);
}

/* ---- API ------------------------------------------------------------------------------------- */

void sock_dtls_init(void)
{
    (void)sock_secure_init();
}

int sock_dtls_create(sock_dtls_t *sock, sock_udp_t *udp_sock, credman_tag_t tag,
                     unsigned version, unsigned role)
{
    assert(sock != NULL && udp_sock != NULL);
    if (role != SOCK_DTLS_CLIENT && role != SOCK_DTLS_SERVER) {
        return -EINVAL;
    }
    if (version != SOCK_DTLS_1_2) {
        return version == SOCK_DTLS_1_0 || version == SOCK_DTLS_1_3 ? -ENOTSUP : -EINVAL;
    }
    memset(sock, 0, sizeof(*sock));
    sock->udp_sock = udp_sock;
    sock->role = (uint8_t)role;
    rmutex_init(&sock->lock);
    mutex_init(&sock->ready);
    mutex_lock(&sock->ready); /* released by datagrams */
    if (tag != CREDMAN_TAG_EMPTY) {
        int rc = sock_dtls_add_credential(sock, tag);
        if (rc < 0) {
            return rc;
        }
    }
    unsigned state = irq_disable();
    for (unsigned i = 0; i < CONFIG_SOCK_DTLS_SECURE_SOCK_NUMOF && sock->ss == NULL; i++) {
        if (_pool[i].owner == NULL) {
            sock->ss = &_pool[i];
            _pool[i].owner = sock;
        }
    }
    irq_restore(state);
    sock_dtls_secure_sock_t *ss = sock->ss;
    if (ss == NULL) {
        return -ENOMEM; /* CONFIG_SOCK_DTLS_SECURE_SOCK_NUMOF socks are open */
    }
    ss->base.ops = &_ops;
    ss->base.flags = SOCK_SECURE_TRANSPORT_DATAGRAM;
    ss->started = false;
    ss->est = ss->new_hs = ss->unread = ss->client = 0;
    ss->fail = 0;
    ss->hint = NULL;
#if CONFIG_SOCK_DTLS_PSK_RETRY
    ss->retry_tag = NO_TAG;
#endif
#ifdef SOCK_HAS_ASYNC_CTX
    ss->timer.callback = _timer_cb;
    ss->timer.arg = sock;
    ss->timer_ev.handler = _timer_ev;
#endif
    int rc = _open(sock);
    if (rc < 0) {
        ss->owner = NULL;
        sock->ss = NULL;
        return rc;
    }
    sock_udp_set_cb(udp_sock, _udp_cb, sock);
    return 0;
}

sock_udp_t *sock_dtls_get_udp_sock(sock_dtls_t *sock)
{
    return sock->udp_sock;
}

int sock_dtls_set_server_psk_id_hint(sock_dtls_t *sock, const char *hint)
{
    if (hint == NULL || strlen(hint) > CONFIG_DTLS_PSK_ID_HINT_MAX_SIZE ||
        sock->role != SOCK_DTLS_SERVER) {
        return -EINVAL;
    }
    /* RFC 4279's hint is in the ServerKeyExchange, which mbedTLS 2.28 does not send for PSK
     * suites (secure_sock's mbedTLS driver lacks SOCK_SECURE_CAP_PSK_HINT); tinyDTLS sends it */
    sock_secure_backend_info_t info;
    if (sock_secure_backend_info(NULL, &info) < 0 || !(info.caps & SOCK_SECURE_CAP_PSK_HINT)) {
        return CONFIG_SOCK_DTLS_IGNORE_PSK_HINT ? 0 : -ENOTSUP;
    }
    /* the hint is part of the secure socket's configuration: the socket is made again with it
     * (before any session: the API sets it right after sock_dtls_create()) */
    rmutex_lock(&sock->lock);
    sock_dtls_secure_sock_t *ss = sock->ss;
    const char *before = ss->hint;
    ss->hint = hint;
    int rc = _remake(sock);
    if (rc < 0) {
        ss->hint = before; /* as it was (the same configuration was accepted before) */
        if (rc != -EBUSY) {
            (void)_remake(sock);
        }
    }
    rmutex_unlock(&sock->lock);
    return rc;
}

int sock_dtls_add_credential(sock_dtls_t *sock, credman_tag_t tag)
{
    credman_credential_t c;
    bool ecdsa = credman_get(&c, tag, CREDMAN_TYPE_ECDSA) == CREDMAN_OK;
    if (ecdsa && !CONFIG_SOCK_DTLS_SECURE_SOCK_RPK) {
        return -ENOTSUP; /* raw public keys: CONFIG_DTLS_ECC (docs/RIOT.md) */
    }
    if (sock->tags_len >= CONFIG_DTLS_CREDENTIALS_MAX) {
        return -ENOSPC;
    }
    rmutex_lock(&sock->lock);
    sock->tags[sock->tags_len++] = tag;
    int rc = 0;
    /* a key or pinned keys are part of the secure socket's configuration (at create: _open) */
    if (ecdsa && sock->ss != NULL && (rc = _remake(sock)) < 0) {
        sock->tags_len--; /* as it was */
        if (rc != -EBUSY) {
            (void)_remake(sock);
        }
    }
    rmutex_unlock(&sock->lock);
    return rc;
}

int sock_dtls_remove_credential(sock_dtls_t *sock, credman_tag_t tag)
{
    credman_credential_t c;
    bool ecdsa = credman_get(&c, tag, CREDMAN_TYPE_ECDSA) == CREDMAN_OK;
    int rc = -ENOENT;
    rmutex_lock(&sock->lock);
    for (unsigned i = 0; rc == -ENOENT && i < sock->tags_len; i++) {
        if (sock->tags[i] == tag) {
            credman_tag_t was[CONFIG_DTLS_CREDENTIALS_MAX];
            memcpy(was, sock->tags, sizeof(was));
            memmove(&sock->tags[i], &sock->tags[i + 1], (sock->tags_len - i - 1) * sizeof(tag));
            sock->tags_len--;
            rc = 0;
            if (ecdsa && sock->ss != NULL && (rc = _remake(sock)) < 0) {
                memcpy(sock->tags, was, sizeof(was)); /* as it was */
                sock->tags_len++;
                if (rc != -EBUSY) {
                    (void)_remake(sock);
                }
            }
        }
    }
    rmutex_unlock(&sock->lock);
    return rc;
}

size_t sock_dtls_get_credentials(sock_dtls_t *sock, const credman_tag_t **out)
{
    *out = sock->tags;
    return sock->tags_len;
}

void sock_dtls_set_client_psk_cb(sock_dtls_t *sock, sock_dtls_client_psk_cb_t cb)
{
    sock->client_psk_cb = cb;
}

void sock_dtls_set_rpk_cb(sock_dtls_t *sock, sock_dtls_rpk_cb_t cb)
{
    (void)sock;
    (void)cb; /* one key per sock: the first ECDSA credential of its tags (docs/RIOT.md) */
}

int sock_dtls_session_init(sock_dtls_t *sock, const sock_udp_ep_t *ep, sock_dtls_session_t *remote)
{
    sock_udp_ep_t local;
    sock_secure_ep_t e;

    if (sock_udp_get_local(sock->udp_sock, &local) < 0) {
        return -EADDRNOTAVAIL;
    }
    if (_ep_in(&e, ep) < 0) {
        return -EINVAL;
    }
    remote->ep = *ep;
    rmutex_lock(&sock->lock);
    int rc = sock->ss == NULL ? -EINVAL : _connect(sock, &e, -1); /* closed: no handshake */
    _rearm(sock);
    rmutex_unlock(&sock->lock);
    return rc;
}

void sock_dtls_session_destroy(sock_dtls_t *sock, sock_dtls_session_t *remote)
{
    sock_secure_ep_t e;
    if (_ep_in(&e, &remote->ep) < 0) {
        return;
    }
    rmutex_lock(&sock->lock);
    sock_dtls_secure_sock_t *ss = sock->ss;
    sock_secure_session_t *s = ss != NULL ? _find(ss, &e) : NULL; /* closed: nothing left */
    if (s != NULL) {
        _drop(ss, s);
        _rearm(sock);
    }
    rmutex_unlock(&sock->lock);
}

void sock_dtls_session_get_udp_ep(const sock_dtls_session_t *session, sock_udp_ep_t *ep)
{
    *ep = session->ep;
}

void sock_dtls_session_set_udp_ep(sock_dtls_session_t *session, const sock_udp_ep_t *ep)
{
    session->ep = *ep;
}

/* Lock held: what recv hands out next - a new session (-SOCK_DTLS_HANDSHAKE), the failure of a
 * handshake we started, a record - else -EAGAIN. A record larger than @p max is dropped with its
 * session (-ENOBUFS), as the API has no way to ask again. */
static ssize_t _take(sock_dtls_t *sock, sock_dtls_session_t *remote, void *data, size_t max)
{
    sock_dtls_secure_sock_t *ss = sock->ss;
    for (unsigned k = 0; k < PEERS; k++) {
        unsigned i = (ss->turn + k) % PEERS;
        uint8_t bit = (uint8_t)(1u << i);
        if (ss->new_hs & bit) {
            ss->new_hs &= (uint8_t)~bit;
            _slot_ep(ss, i, &remote->ep);
            return -SOCK_DTLS_HANDSHAKE;
        }
    }
    if (ss->fail) {
        int rc = ss->fail;
        ss->fail = 0;
        remote->ep = ss->fail_ep;
        return rc;
    }
    for (unsigned k = 0; k < PEERS; k++) {
        unsigned i = (ss->turn + k) % PEERS;
        uint8_t bit = (uint8_t)(1u << i);
        if (ss->unread & bit) {
            sock_secure_session_t *s = &ss->slots[i];
            ss->turn = (uint8_t)((i + 1) % PEERS);
            _slot_ep(ss, i, &remote->ep);
            int rc = sock_secure_session_recv(s, data, max, 0);
            ss->unread &= (uint8_t)~bit;
            if (rc == -EMSGSIZE) {
                _drop(ss, s);
                return -ENOBUFS;
            }
            if (rc >= 0) {
                return rc;
            }
        }
    }
    return -EAGAIN;
}

static ssize_t _recv(sock_dtls_t *sock, sock_dtls_session_t *remote, void *data, size_t max,
                     uint32_t timeout)
{
    uint32_t ms = _ms(timeout);
    uint32_t deadline = ztimer_now(ZTIMER_MSEC) + ms;
    ssize_t rc;

    rmutex_lock(&sock->lock);
    for (;;) {
        if (sock->ss == NULL) {
            rc = -EINVAL; /* closed, maybe while this call slept (sock/dtls.h) */
            break;
        }
        if ((rc = _take(sock, remote, data, max)) != -EAGAIN) {
            break;
        }
        _process(sock);
        if ((rc = _take(sock, remote, data, max)) != -EAGAIN) {
            break;
        }
        if (ms == 0) {
            break;
        }
        if (!_wait(sock, deadline, ms == UINT32_MAX)) {
            rc = -ETIMEDOUT;
            break;
        }
    }
#ifdef SOCK_HAS_ASYNC_CTX
    /* an event queue merges events: announce what is still waiting */
    sock_dtls_secure_sock_t *ss = sock->ss;
    if (ss != NULL && sock->async_ctx.queue != NULL) {
        _raise(sock, (ss->new_hs ? SOCK_ASYNC_CONN_RECV : 0) |
                     (ss->unread ? SOCK_ASYNC_MSG_RECV : 0));
    }
#endif
    _rearm(sock);
    rmutex_unlock(&sock->lock);
    return rc;
}

ssize_t sock_dtls_recv_aux(sock_dtls_t *sock, sock_dtls_session_t *remote, void *data,
                           size_t maxlen, uint32_t timeout, sock_dtls_aux_rx_t *aux)
{
    (void)aux; /* nothing provided: the requested flags stay set */
    return _recv(sock, remote, data, maxlen, timeout);
}

ssize_t sock_dtls_recv_buf_aux(sock_dtls_t *sock, sock_dtls_session_t *remote, void **data,
                               void **buf_ctx, uint32_t timeout, sock_dtls_aux_rx_t *aux)
{
    static uint8_t buf[CONFIG_SOCK_DTLS_SECURE_SOCK_RECV_BUF];
    static bool busy;
    (void)aux;

    if (*buf_ctx != NULL) {
        *buf_ctx = NULL; /* the application is done with the buffer */
        *data = NULL;
        busy = false;
        return 0;
    }
    unsigned state = irq_disable();
    bool mine = !busy;
    busy = true;
    irq_restore(state);
    if (!mine) {
        return -ENOMEM; /* another sock holds the buffer */
    }
    ssize_t rc = _recv(sock, remote, buf, sizeof(buf), timeout);
    if (rc > 0) {
        *data = buf;
        *buf_ctx = buf;
    }
    else {
        busy = false;
    }
    return rc;
}

/* Lock held: the established session with @p ep; with @p timeout > 0 a handshake is started
 * (client) or awaited first. */
static int _session_for(sock_dtls_t *sock, const sock_secure_ep_t *ep, uint32_t timeout,
                        sock_secure_session_t **out)
{
    sock_dtls_secure_sock_t *ss = sock->ss;
    uint32_t ms = _ms(timeout);
    uint32_t deadline = ztimer_now(ZTIMER_MSEC) + ms;

    for (bool started = false;;) {
        sock_secure_session_t *s = _find(ss, ep);
        sock_secure_session_info_t info;
        if (s != NULL && sock_secure_session_info(s, &info) == 0 &&
            info.state == SOCK_SECURE_ST_OPEN) {
            *out = s;
            return 0;
        }
        if (ms == 0) {
            return -ENOTCONN;
        }
        if (s == NULL) {
            if (started) {
                return -ENOTCONN; /* the handshake failed (recv reports why) */
            }
            int rc = _connect(sock, ep, -1);
            if (rc < 0) {
                return rc;
            }
            started = true;
            continue;
        }
        started = true;
        if (!_wait(sock, deadline, ms == UINT32_MAX)) {
            _drop(ss, s);
            return -ETIMEDOUT;
        }
        if (sock->ss == NULL) {
            return -EINVAL; /* closed while this call slept */
        }
        _process(sock);
    }
}

/* Several snips go out as one record: gathered here (the frame only when needed). */
static __attribute__((noinline)) int _send_gathered(sock_secure_session_t *s,
                                                    const iolist_t *snips, size_t len)
{
    uint8_t buf[CONFIG_SOCK_DTLS_SECURE_SOCK_GATHER];
    if (len > sizeof(buf)) {
        return -ENOMEM;
    }
    iolist_to_buffer(snips, buf, sizeof(buf));
    return sock_secure_session_send(s, buf, len);
}

ssize_t sock_dtls_sendv_aux(sock_dtls_t *sock, sock_dtls_session_t *remote,
                            const iolist_t *snips, uint32_t timeout, sock_dtls_aux_tx_t *aux)
{
    sock_secure_session_t *s = NULL;
    sock_secure_ep_t e;
    (void)aux; /* nothing provided: the requested flags stay set */

    if (_ep_in(&e, &remote->ep) < 0) {
        return remote->ep.family != AF_INET6 && remote->ep.family != AF_INET ? -EAFNOSUPPORT
                                                                            : -EINVAL;
    }
    rmutex_lock(&sock->lock);
    int rc = sock->ss == NULL ? -EINVAL : _session_for(sock, &e, timeout, &s);
    if (rc == 0) {
        size_t len = iolist_size(snips);
        rc = snips == NULL || snips->iol_next == NULL
                 ? sock_secure_session_send(s, snips ? snips->iol_base : NULL, len)
                 : _send_gathered(s, snips, len);
        if (rc == -EAGAIN) {
            rc = -ENOMEM; /* packet buffer full */
        }
        else if (rc < 0 && rc != -EMSGSIZE && rc != -ENOMEM) {
            rc = -ENOTCONN;
        }
    }
    _rearm(sock);
    rmutex_unlock(&sock->lock);
    if (rc >= 0) {
        _raise(sock, SOCK_ASYNC_MSG_SENT);
    }
    return rc;
}

void sock_dtls_close(sock_dtls_t *sock)
{
    sock_dtls_secure_sock_t *ss = sock->ss;
    if (ss == NULL) {
        return;
    }
    rmutex_lock(&sock->lock);
    sock_udp_set_cb(sock->udp_sock, NULL, NULL);
#ifdef SOCK_HAS_ASYNC_CTX
    ztimer_remove(ZTIMER_MSEC, &ss->timer);
    if (sock->async_ctx.queue != NULL) {
        event_cancel(sock->async_ctx.queue, &ss->timer_ev);
        sock_event_close(sock_udp_get_async_ctx(sock->udp_sock));
    }
    sock_event_close(&sock->async_ctx);
#endif
    if (ss->started) {
        sock_secure_close(&ss->sock); /* close_notify to every peer, keys zeroed */
        ss->started = false;
    }
    ss->owner = NULL;
    sock->ss = NULL;
    mutex_unlock(&sock->ready); /* a call sleeping in this sock (another thread) returns -EINVAL */
    rmutex_unlock(&sock->lock);
}

bool sock_dtls_get_event_session(sock_dtls_t *sock, sock_dtls_session_t *session)
{
    if (!sock->has_event_session) {
        return false;
    }
    session->ep = sock->event_session;
    return true;
}

void sock_dtls_set_cb(sock_dtls_t *sock, sock_dtls_cb_t cb, void *cb_arg)
{
    rmutex_lock(&sock->lock);
    sock->async_cb = cb;
    sock->async_cb_arg = cb_arg;
#ifdef SOCK_HAS_ASYNC_CTX
    if (sock->async_ctx.queue != NULL) {
        /* datagrams and timers are handled in the queue's thread */
        sock_udp_event_init(sock->udp_sock, sock->async_ctx.queue, _udp_cb, sock);
        _rearm(sock);
        rmutex_unlock(&sock->lock);
        return;
    }
#endif
    sock_udp_set_cb(sock->udp_sock, _udp_cb, sock);
    rmutex_unlock(&sock->lock);
}

#ifdef SOCK_HAS_ASYNC_CTX
sock_async_ctx_t *sock_dtls_get_async_ctx(sock_dtls_t *sock)
{
    return &sock->async_ctx;
}
#endif
