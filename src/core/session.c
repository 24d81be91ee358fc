/*
 * The session slot table and its events: finding and allocating slots, starting a session
 * (the driver's state and whom the peer must be), ending it (keys zeroed, the slot kept CLOSED for
 * session_info()) and the events that report it; the public calls that close and describe
 * sessions. A slot is FREE, HANDSHAKE, OPEN or CLOSED (docs/DESIGN.md, "Session slots").
 */
#include <string.h>

#include "core.h"

/* memset through a volatile pointer: the compiler cannot drop it as a dead store (keys). */
static void *(*const volatile ss_memset)(void *, int, size_t) = memset;

void sock_secure__zero(void *p, size_t n)
{
    (void)ss_memset(p, 0, n);
}

sock_secure_session_t *sock_secure__find(sock_secure_t *sk, const sock_secure_ep_t *remote)
{
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if ((s->state == SOCK_SECURE_ST_HANDSHAKE || s->state == SOCK_SECURE_ST_OPEN) &&
            sock_secure_ep_equal(&s->remote, remote)) {
            return s;
        }
    }
    return NULL;
}

/* A free slot, else (servers) the slot of a session that ended and that no caller holds. */
sock_secure_session_t *sock_secure__alloc(sock_secure_t *sk)
{
    sock_secure_session_t *reuse = NULL;
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (s->state == SOCK_SECURE_ST_FREE) {
            return s;
        }
        if (reuse == NULL && s->state == SOCK_SECURE_ST_CLOSED && !(s->flags & SF_OWNED)) {
            reuse = s;
        }
    }
    return reuse;
}

void sock_secure__peer_id(const sock_secure_ep_t *remote, uint8_t id[SS_PEER_ID_LEN])
{
    id[0] = remote->family;
    memcpy(&id[1], remote->addr, 16);
    id[17] = (uint8_t)(remote->port >> 8);
    id[18] = (uint8_t)remote->port;
    for (unsigned i = 0; i < 4; i++) {
        id[19 + i] = (uint8_t)(remote->scope_id >> (24 - 8 * i));
    }
}

/* Client: tell the driver whom the server must prove to be (sock_secure_config_t.server_name).
 * A name is checked as a DNS name and sent as SNI; no name (NULL) means the address connected
 * to, checked against the certificate's iPAddress entries when the server is verified; ""
 * means no identity check, the application's explicit choice. */
static int ss_set_identity(sock_secure_t *sk, sock_secure_session_t *s, const sock_secure_ep_t *remote,
                           const char *server_name)
{
    const tlsman_driver_t *drv = sk->drv;
    if (server_name != NULL) {
        if (server_name[0] == '\0') {
            return 0;
        }
        return drv->set_server_name ? drv->set_server_name(s->drv, server_name) : -ENOTSUP;
    }
    if (sk->verify == TLSMAN_VERIFY_NONE) {
        return 0;
    }
    return drv->set_peer_ip ? drv->set_peer_ip(s->drv, remote->addr,
                                               remote->family == SOCK_SECURE_AF_INET ? 4u : 16u)
                            : -ENOTSUP;
}

int sock_secure__start(sock_secure_t *sk, sock_secure_session_t *s, const sock_secure_ep_t *remote,
                       bool client, const char *server_name, const sock_secure_psk_t *psk)
{
    client = client || !CONFIG_SOCK_SECURE_SERVER; /* (server.c's are the only others) */
    uint8_t peer_id[SS_PEER_ID_LEN];
    memset(s, 0, sizeof(*s));
    s->owner = sk;
    s->remote = *remote;
    s->rto_ms = sk->cfg.hs_timeout_initial_ms;
    s->started_ms = (uint32_t)ss_now(sk);
    s->active_ms = s->started_ms; /* progress_ms 0: the start */
    s->flags = client ? SF_OWNED : 0;
    if (!client) {
        sock_secure__peer_id(remote, peer_id);
    }
    /* the driver tells the roles of a client-server socket's sessions apart by the peer id: a
     * server session's cookies are bound to it, a client session has none */
    int rc = sk->drv->session_init(sk->drv_ctx, s->drv, s, client ? NULL : peer_id,
                                   client ? 0 : sizeof(peer_id));
    if (rc == 0 && client) {
        rc = ss_set_identity(sk, s, remote, server_name);
    }
    if (rc == 0 && client && psk != NULL) {
        rc = sk->drv->set_psk != NULL ? sk->drv->set_psk(s->drv, psk) : -ENOTSUP;
    }
    if (rc < 0) {
        sk->drv->session_free(s->drv);
        memset(s, 0, sizeof(*s));
        return rc;
    }
    s->state = SOCK_SECURE_ST_HANDSHAKE;
    sk->work |= SW_TIMERS; /* its handshake's deadlines and retransmissions */
    sk->last = NULL;       /* routing looks for it (a restarted peer's, beside its old one) */
    sk->stats.sessions_handshake++;
    return 0;
}

/* Drop the stack's state of an active session (zeroing keys), keeping what info() reports. */
static void ss_free_state(sock_secure_t *sk, sock_secure_session_t *s)
{
    if (s->state == SOCK_SECURE_ST_HANDSHAKE) {
        sk->stats.sessions_handshake--;
    } else if (s->state == SOCK_SECURE_ST_OPEN) {
        sk->stats.sessions_open--;
    } else {
        return;
    }
    tlsman_info_t ti;
    sk->drv->info(s->drv, &ti);
    s->ended.suite = ti.suite;
    s->ended.alert = ti.alert;
    s->ended.alert_origin = ti.alert_origin;
    s->ended.verify = ti.verify;
    s->ended.version = ti.version;
    sk->drv->session_free(s->drv);
    sock_secure__zero(s->drv, sizeof(s->drv));
    if (sk->held == s) {
        sk->held = NULL;
    }
    sock_secure__forget_early(sk, s);
    if (sk->in_for == s) {
        ss_drop_input(sk);
    }
    if (ss_stream(sk)) {
        sk->cfg.transport->ops->disconnect(sk->cfg.transport, &s->remote);
    }
}

/* The session ended (failure or peer close): the slot stays CLOSED until reused or closed. */
void sock_secure__end(sock_secure_t *sk, sock_secure_session_t *s, int err)
{
    if (s->state == SOCK_SECURE_ST_HANDSHAKE) {
        if (s->last_error < 0) {
            err = s->last_error; /* the application's psk_for_hint failed it (io.c) */
        }
        sk->stats.handshakes_failed++;
        s->handshake_ms = 0; /* it never completed (the word held progress_ms) */
    }
    ss_free_state(sk, s);
    s->state = SOCK_SECURE_ST_CLOSED;
    s->last_error = (int16_t)(err >= INT16_MIN ? err : SOCK_SECURE_E_BACKEND); /* (none is) */
    s->flags = (uint16_t)((s->flags & SF_OWNED) | SF_ENDED);
    sk->work |= SW_ENDED;
}

/* Free the slot entirely (HelloVerifyRequest answered, abandoned connect, session_close). */
void sock_secure__release(sock_secure_t *sk, sock_secure_session_t *s)
{
    ss_free_state(sk, s);
    memset(s, 0, sizeof(*s));
}

static int ss_finish(sock_secure_t *sk, sock_secure_session_t *s, int err,
                     sock_secure_event_t ev)
{
    sock_secure__end(sk, s, err);
    return ss_emit(sk, s, ev, s->last_error);
}

/* The session failed, or the peer ended it (close_notify, restart). */
int sock_secure__fail(sock_secure_t *sk, sock_secure_session_t *s, int err)
{
    bool by_peer = err == SOCK_SECURE_E_PEER_CLOSED || err == SOCK_SECURE_E_RESTARTED;
    return ss_finish(sk, s, err, by_peer ? SOCK_SECURE_EV_CLOSED : SOCK_SECURE_EV_ERROR);
}

/* We end the session (idle, deadline, eviction): tell the peer if it is established. */
int sock_secure__expire(sock_secure_t *sk, sock_secure_session_t *s, int err, uint32_t *counter)
{
    if (s->state == SOCK_SECURE_ST_OPEN) {
        (void)sk->drv->close_notify(s->drv);
    }
    (*counter)++;
    return ss_finish(sk, s, err, SOCK_SECURE_EV_EXPIRED);
}

/* The established session of a peer whose new handshake (SF_RESTART) just completed. */
static sock_secure_session_t *ss_restarted_from(sock_secure_t *sk, sock_secure_session_t *n)
{
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (s != n && s->state == SOCK_SECURE_ST_OPEN && sock_secure_ep_equal(&s->remote, &n->remote)) {
            return s;
        }
    }
    return NULL;
}

int sock_secure__established(sock_secure_t *sk, sock_secure_session_t *s)
{
    int events = 0;
    if (ss_server_session(sk, s) && (s->flags & SF_RESTART)) {
        /* RFC 6347 §4.2.8: the old session of a restarted peer goes once the new one is up
         * (server.c marks a server session so) */
        sock_secure_session_t *old = ss_restarted_from(sk, s);
        s->flags &= (uint16_t)~SF_RESTART;
        if (old != NULL) {
            sk->stats.peer_restarts++;
            events += sock_secure__fail(sk, old, SOCK_SECURE_E_RESTARTED);
        }
    }
    tlsman_info_t ti = { 0 };
    (void)sk->drv->info(s->drv, &ti);
    if (ti.resumed) {
        sk->stats.handshakes_resumed++;
    }
    s->state = SOCK_SECURE_ST_OPEN;
    sk->work |= SW_TIMERS; /* the idle timeout, if any */
    s->handshake_ms = (uint32_t)ss_now(sk) - s->started_ms;
    if (ss_server_session(sk, s)) {
        s->flags |= SF_NEW;
    }
    sk->stats.sessions_handshake--;
    sk->stats.sessions_open++;
    sk->stats.handshakes_ok++;
    return events + ss_emit(sk, s, SOCK_SECURE_EV_CONNECTED, 0);
}

/* ---- public API --------------------------------------------------------------------------- */

int sock_secure_renew(sock_secure_session_t *s)
{
    if (s == NULL) {
        return -EINVAL;
    }
    if (!ss_session_valid(s) || s->state != SOCK_SECURE_ST_OPEN) {
        return -ENOTCONN;
    }
    const tlsman_driver_t *drv = s->owner->drv;
    if (drv->renew == NULL || !s->owner->cfg.renegotiation) {
        return -ENOTSUP;
    }
    return drv->renew(s->drv);
}

int sock_secure_session_export(sock_secure_session_t *s, void *buf, size_t len)
{
    if (s == NULL || buf == NULL) {
        return -EINVAL;
    }
    if (!ss_session_valid(s) || s->state != SOCK_SECURE_ST_OPEN) {
        return -ENOTCONN;
    }
    const tlsman_driver_t *drv = s->owner->drv;
    if (ss_server(s->owner) || drv->session_export == NULL) {
        return -ENOTSUP;
    }
    return drv->session_export(s->drv, buf, len);
}

int sock_secure_session_save(sock_secure_session_t *s, void *buf, size_t len)
{
    if (s == NULL || buf == NULL) {
        return -EINVAL;
    }
    if (!ss_session_valid(s) || s->state != SOCK_SECURE_ST_OPEN) {
        return -ENOTCONN;
    }
    sock_secure_t *sk = s->owner;
    if (ss_stream(sk) || sk->drv->session_save == NULL || sk->cfg.renegotiation) {
        return -ENOTSUP;
    }
    if ((s->flags & (SF_UNREAD | SF_PENDING)) || sk->held == s ||
        ss_early_session(sk) == s) {
        return -EBUSY;
    }
    int rc = sk->drv->session_save(s->drv, buf, len);
    if (rc > 0) {
        sock_secure__release(sk, s); /* the stack forgot it; the slot is zeroed */
    }
    return rc;
}

int sock_secure_session_restore(sock_secure_t *sk, const sock_secure_ep_t *remote, void *blob,
                                size_t len, sock_secure_session_t **session)
{
    if (sk == NULL || !sk->open || remote == NULL || blob == NULL || len == 0 ||
        session == NULL || remote->family == SOCK_SECURE_AF_UNSPEC) {
        return -EINVAL;
    }
    if (ss_stream(sk) || sk->drv->session_load == NULL || sk->cfg.renegotiation ||
        sk->cfg.role == SOCK_SECURE_CLIENT_SERVER) {
        return -ENOTSUP; /* a socket of both roles could not tell the session's role */
    }
    if (sock_secure__find(sk, remote) != NULL) {
        return -EINVAL;
    }
    sock_secure_session_t *s = sock_secure__alloc(sk);
    if (s == NULL) {
        return -ENOMEM;
    }
    /* "": no identity to set, there is no handshake */
    int rc = sock_secure__start(sk, s, remote, sk->cfg.role == SOCK_SECURE_CLIENT, "", NULL);
    if (rc < 0) {
        return rc;
    }
    rc = sk->drv->session_load(s->drv, blob, len);
    sock_secure__zero(blob, len); /* the stack has it now: never twice */
    if (rc < 0) {
        sock_secure__release(sk, s);
        return rc;
    }
    s->state = SOCK_SECURE_ST_OPEN;
    sk->work |= SW_TIMERS; /* the idle timeout, if any */
    if (!ss_server(sk)) {
        s->flags |= SF_OWNED; /* kept until session_close(), as connect()'s */
    }
    sk->stats.sessions_handshake--;
    sk->stats.sessions_open++;
    *session = s;
    return 0;
}

int sock_secure_ticket_key(sock_secure_t *sk, const uint8_t *key, size_t len)
{
    if (sk == NULL || !sk->open || key == NULL || len != SOCK_SECURE_TICKET_KEY_LEN) {
        return -EINVAL;
    }
    if (!ss_server(sk) || !sk->cfg.resumption || sk->drv->ticket_key == NULL) {
        return -ENOTSUP;
    }
    return sk->drv->ticket_key(sk->drv_ctx, key, len);
}

int sock_secure_session_close(sock_secure_session_t *s)
{
    if (s == NULL || s->owner == NULL || s->state == SOCK_SECURE_ST_FREE) {
        return -EINVAL;
    }
    sock_secure_t *sk = s->owner;
    if (s->state == SOCK_SECURE_ST_OPEN && ss_stream(sk)) {
        if (sock_secure__stream_close(sk, s) == -EAGAIN) {
            return -EAGAIN;
        }
    } else if (s->state == SOCK_SECURE_ST_OPEN) {
        (void)sk->drv->close_notify(s->drv);
    }
    sock_secure__release(sk, s);
    return 0;
}

void sock_secure_close(sock_secure_t *sk)
{
    if (sk == NULL || !sk->open) {
        return;
    }
    for (size_t i = 0; i < sk->cfg.session_count; i++) {
        sock_secure_session_t *s = &sk->cfg.sessions[i];
        if (s->state != SOCK_SECURE_ST_FREE && sock_secure_session_close(s) == -EAGAIN) {
            /* the socket goes now: output the transport refused is lost */
            sock_secure__release(sk, s);
        }
    }
    sk->drv->ctx_free(sk->drv_ctx);
    sock_secure__zero(sk, sizeof(*sk));
}

int sock_secure_session_info(sock_secure_session_t *s, sock_secure_session_info_t *info)
{
    if (s == NULL || info == NULL || !ss_session_valid(s)) {
        return -EINVAL;
    }
    memset(info, 0, sizeof(*info));
    tlsman_info_t ti = { 0 };
    if (s->state == SOCK_SECURE_ST_CLOSED) {
        ti.suite = s->ended.suite;
        ti.alert = s->ended.alert;
        ti.alert_origin = s->ended.alert_origin;
        ti.version = s->ended.version;
        ti.verify = s->ended.verify;
    } else {
        s->owner->drv->info(s->drv, &ti);
        if (s->owner->drv->peer_subject != NULL && s->state == SOCK_SECURE_ST_OPEN) {
            s->owner->drv->peer_subject(s->drv, info->peer_subject, sizeof(info->peer_subject));
            info->peer_subject[sizeof(info->peer_subject) - 1] = '\0';
        }
    }
    info->state = (sock_secure_state_t)s->state;
    info->remote = s->remote;
    info->suite = ti.suite;
    info->suite_name = sock_secure_suite_name(ti.suite);
    if (info->suite_name == NULL) {
        info->suite_name = "";
    }
    info->version = ti.version ? ti.version : "";
    info->alert = ti.alert;
    info->alert_origin = ti.alert_origin;
    info->verify = ti.verify;
    info->last_error = s->last_error;
    info->handshake_ms = s->state == SOCK_SECURE_ST_HANDSHAKE ? 0 : s->handshake_ms;
#if CONFIG_SOCK_SECURE_SESSION_STATS
    info->retransmits = s->retransmits;
    info->bytes_in = s->bytes_in;
    info->bytes_out = s->bytes_out;
    info->datagrams_in = s->dgrams_in;
    info->datagrams_out = s->dgrams_out;
    info->records_in = s->records_in;
    info->records_out = s->records_out;
#endif
#if CONFIG_SOCK_SECURE_SESSION_PSK_ID > 0
    memcpy(info->psk_identity, s->psk_id, s->psk_id_len);
    info->psk_identity_len = s->psk_id_len;
    info->psk_identity_truncated = s->psk_id_cut;
#endif
    info->resumed = ti.resumed;
    return 0;
}

int sock_secure_stats(const sock_secure_t *sk, sock_secure_stats_t *stats)
{
    if (sk == NULL || stats == NULL) {
        return -EINVAL;
    }
    *stats = sk->stats;
    return 0;
}

int sock_secure_max_payload(sock_secure_session_t *s)
{
    if (s == NULL) {
        return -EINVAL;
    }
    if (!ss_session_valid(s) || s->state != SOCK_SECURE_ST_OPEN) {
        return -ENOTCONN;
    }
    size_t n = s->owner->drv->max_payload(s->drv);
    return n > INT32_MAX ? INT32_MAX : (int)n;
}
