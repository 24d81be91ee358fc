/**
 * @file stream_turn.h
 * @brief Internal: the order of work of a stream transport's `recv`, shared by the POSIX TCP
 *        transport (sock_tcp.c) and RIOT's (ports/riot/sock_secure_tcp/).
 *
 * After it has reported any connection that ended, a stream transport's `recv` either accepts one
 * new connection (and reports it: 0 bytes, its peer in @p remote) or reads the next bytes of its
 * connections; the two take turns: after a read the next call accepts first, after an accept it
 * reads first, so a flood of new connections cannot starve established ones and a busy
 * connection cannot starve new ones. Header only (static inline, nothing exported); portable.
 */
#ifndef SS_STREAM_TURN_H
#define SS_STREAM_TURN_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secure_sock/transport.h"

/** A stream transport's two sources of work, for sock_secure__stream_turn(). */
typedef struct {
    /** Accept one pending connection: true if one was taken (its peer in @p remote). */
    bool (*accept_one)(void *ctx, sock_secure_ep_t *remote);
    /** Read the next bytes (or end) of a connection: a count, a connection's end (negative,
     *  @p remote set), or -EAGAIN if no connection had anything. */
    int (*read_next)(void *ctx, void *buf, size_t len, sock_secure_ep_t *remote);
} sock_secure__stream_work_t;

/**
 * @brief One step of `recv`: accept or read, taking turns (see the file comment).
 * @param accept_turn the transport's turn flag (non-zero: accept first), updated.
 * @return 0 with @p remote set for a new connection, else what read_next returned (-EAGAIN when
 *         neither had anything).
 */
static inline int sock_secure__stream_turn(const sock_secure__stream_work_t *work, void *ctx,
                                           uint8_t *accept_turn, void *buf, size_t len,
                                           sock_secure_ep_t *remote)
{
    bool accept_first = *accept_turn != 0;

    if (accept_first && work->accept_one(ctx, remote)) {
        *accept_turn = 0;
        return 0;
    }
    int rc = work->read_next(ctx, buf, len, remote);
    if (rc != -EAGAIN) {
        *accept_turn = 1;
        return rc;
    }
    if (!accept_first && work->accept_one(ctx, remote)) {
        return 0;
    }
    return -EAGAIN;
}

#endif /* SS_STREAM_TURN_H */
