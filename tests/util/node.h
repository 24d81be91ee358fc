/* A secure socket with its transport, as the tests set one up: on the in-memory net (tu_net,
 * on the simulated clock tu_now_ms) or on a UDP or TCP socket (the platform clock), its session
 * table and credential store, and counters of the events it reported. Plus the loops that run a
 * few nodes until nothing moves (tu_pump) and let simulated time pass to the next timer
 * (tu_advance), and a checked byte stream (tu_flow_t) for the TLS tests. Shared by the unit,
 * conformance and integration tests; what one test needs beyond that stays in its file (its own
 * event callback that calls tu_on_event() first, test fields in a struct around the node). */
#ifndef SS_TU_NODE_H
#define SS_TU_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secure_sock/creds.h"
#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/posix/tcp.h"
#include "secure_sock/posix/udp.h"

/* Most sessions (and TCP connections) one node holds; a test uses the first few it names. */
#define TU_NODE_SLOTS 8

/* The two addresses most tests give their server and (first) client on tu_net. */
#define TU_SERVER_ADDR "[fd00::1]:5684"
#define TU_CLIENT_ADDR "[fd00::2]:40000"

/* Test PSKs: "dev-a" with key A, "dev-a" with key B (a wrong key), "nobody" with key A. */
extern const sock_secure_psk_t tu_psk_a, tu_psk_a_wrong, tu_psk_unknown;

/* Events a node reported (tu_on_event). */
typedef struct {
    int connected, data, closed, error, expired;
    int last_err; /* the err of the last event that carried one (CLOSED, ERROR, EXPIRED) */
} tu_events_t;

typedef struct {
    sock_secure_mem_t mem;                      /* its end of tu_net (tu_node_join) */
    sock_secure_tcp_t tcp;                      /* or TCP (tu_node_listen_tcp, _open_tcp) */
    sock_secure_udp_t udp;                      /* or UDP (tu_node_open_udp) */
    sock_secure_tcp_conn_t conns[TU_NODE_SLOTS];
    sock_secure_transport_t *transport;                   /* the one opened; NULL: none */
    bool up;                             /* sock created (tu_node_create), not closed yet */
    sock_secure_t sock;
    sock_secure_session_t slots[TU_NODE_SLOTS];
    sock_secure_creds_t creds;           /* for tu_node_use_creds() */
    uint32_t tags[2];                    /* TU_TAG_ID, TU_TAG_CA */
    uint16_t suite;                      /* the one suite of tu_node_one_suite() */
    tu_events_t ev;
} tu_node_t;

/* The in-memory net the nodes join, and the simulated clock of the sockets on it. */
extern sock_secure_memnet_t tu_net;
extern uint64_t tu_now_ms;

/* Where tu_net_start() sets the clock: 1000 ms unless a test moves it (say, just before the
 * 2^32 ms at which the sessions' 32-bit timestamps wrap). */
extern uint64_t tu_clock_start;

/* A fresh net (no node, no filter) and the clock back at tu_clock_start. */
void tu_net_start(void);

/* Join tu_net at @p addr (zeroes the node's counters). Returns sock_secure_mem_open()'s result. */
int tu_node_join(tu_node_t *n, const char *addr);
/* tu_node_join() at endpoint @p ep. */
int tu_node_join_ep(tu_node_t *n, const sock_secure_ep_t *ep);
/* A TCP listener at @p addr with @p conns connections (<= TU_NODE_SLOTS); its bound address in
 * @p bound if not NULL. Returns sock_secure_tcp_listen()'s result. */
int tu_node_listen_tcp(tu_node_t *n, const char *addr, size_t conns, sock_secure_ep_t *bound);
/* A TCP client socket with @p conns connections. Returns sock_secure_tcp_open()'s result. */
int tu_node_open_tcp(tu_node_t *n, size_t conns);

/* A UDP socket bound to @p addr; its bound address in @p bound if not NULL. Returns
 * sock_secure_udp_open()'s result. */
int tu_node_open_udp(tu_node_t *n, const char *addr, sock_secure_ep_t *bound);

/* sock_secure_config_init() and what every test socket sets: @p role, @p backend (a name, NULL:
 * the default), @p transport, the session table @p sessions of @p count, one PSK (NULL: none).
 * No clock (the platform's) and no event callback: for a socket that is not a node (a table
 * larger than TU_NODE_SLOTS); tu_node_config() for a node. */
void tu_config(sock_secure_config_t *cfg, sock_secure_role_t role, const char *backend,
               sock_secure_transport_t *transport, sock_secure_session_t *sessions, size_t count,
               const sock_secure_psk_t *psk);

/* sock_secure_config_init() and what the node brings: @p role, @p backend (a name, NULL: the
 * default), its transport, its first @p slots sessions, tu_on_event with the node as event_arg,
 * and unless the node is on a real socket (UDP, TCP) already the simulated clock tu_now_ms (so a
 * node may be configured before it joins tu_net). The test adds credentials and options. */
void tu_node_config(tu_node_t *n, sock_secure_config_t *cfg, sock_secure_role_t role,
                    const char *backend, size_t slots);
/* cfg->psk = @p psk (one; NULL: none). */
void tu_node_psk(sock_secure_config_t *cfg, const sock_secure_psk_t *psk);
/* Only @p suite (kept in the node, which must outlive the socket); 0 leaves the defaults. */
void tu_node_one_suite(tu_node_t *n, sock_secure_config_t *cfg, uint16_t suite);
/* The node's credential store with both tags (TU_TAG_ID, TU_TAG_CA). */
void tu_node_use_creds(tu_node_t *n, sock_secure_config_t *cfg);

/* sock_secure_create() on the node's transport. On failure the transport is closed too.
 * Returns sock_secure_create()'s result. */
int tu_node_create(tu_node_t *n, const sock_secure_config_t *cfg);
/* tu_node_join(@p addr), then tu_node_create() with @p cfg on that transport. Returns the first
 * error or 0. */
int tu_node_open_cfg(tu_node_t *n, const char *addr, sock_secure_config_t *cfg);
/* tu_node_config() with one PSK (NULL: none), then tu_node_open_cfg(). */
int tu_node_open(tu_node_t *n, const char *addr, sock_secure_role_t role, const char *backend,
                 size_t slots, const sock_secure_psk_t *psk);
/* Close the socket (if up) and the transport (if open); a second call does nothing. */
void tu_node_close(tu_node_t *n);

/* The event callback of tu_node_config(): counts into ((tu_node_t *)arg)->ev. A test's own
 * callback calls it first, then does its part. */
void tu_on_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev, int err,
                 void *arg);

/* Run sock_secure_process() on each node that is up, in turn, until no datagram is queued on any
 * memory link and no call dispatched an event (at most 200 rounds). */
void tu_pump(tu_node_t *const *nodes, size_t count);
/* tu_pump() over @p a then @p b. */
void tu_pump2(tu_node_t *a, tu_node_t *b);
/* Let tu_now_ms pass to the nearest timer of the nodes that are up. Returns false (and the clock
 * stays) if none has one. */
bool tu_advance(tu_node_t *const *nodes, size_t count);

/* sock_secure_connect() from @p client to TU_SERVER_ADDR, checked to be -EINPROGRESS, then
 * tu_pump2(server, client). Returns the client's session (NULL if the connect failed). */
sock_secure_session_t *tu_connect(tu_node_t *client, tu_node_t *server);

/* ---- a byte stream checked byte for byte --------------------------------------------------- */

/* Byte @p i of the pattern with @p seed. */
uint8_t tu_pattern(size_t i, unsigned seed);

/* One direction pair of a session: what it sent of its pattern (seed_out) and received of the
 * peer's (seed_in); bad counts the received bytes that differ. */
typedef struct {
    sock_secure_t *sock;
    sock_secure_session_t *s;
    size_t sent, received, bad;
    unsigned seed_out, seed_in;
} tu_flow_t;

/* Send what the session takes of @p total bytes (a refusal other than -EAGAIN fails a check),
 * then read what arrived (other than -EAGAIN/-EBUSY fails a check), checking every byte. */
void tu_flow_step(tu_flow_t *f, size_t total);

#endif
