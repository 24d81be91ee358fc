/* A TLSMAN driver on its own, without the core: a client and a server session joined by two
 * in-memory queues (one datagram at a time, or a byte stream for TLS), a fake timer per side, and
 * handshake()/read()/write() called the way the core calls them. Shared by the driver tests
 * (tests/conformance/test_driver.c, tests/unit/test_driver_<stack>_specific.c); dh_use() picks
 * the driver under test at run time. */
#ifndef SS_DRVHARNESS_H
#define SS_DRVHARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secure_sock/config.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/tlsman.h"

/* ---- a queue of datagrams (or stream chunks) ------------------------------------------------- */

#define DH_SLOTS 32
#define DH_DGRAM 2048

typedef struct {
    uint8_t data[DH_SLOTS][DH_DGRAM];
    size_t len[DH_SLOTS];
    size_t head;  /* oldest item */
    size_t count; /* items queued */
    size_t off;   /* stream mode: bytes of the head item already taken */
} dh_queue_t;

bool dh_push(dh_queue_t *q, const uint8_t *buf, size_t len);
void dh_pop(dh_queue_t *q);
void dh_clear(dh_queue_t *q);
/* Join the first two datagrams of @p q into one (as a peer may pack records). */
bool dh_merge_first_two(dh_queue_t *q);

/* ---- one side: the core's role towards the driver -------------------------------------------- */

typedef struct {
    const char *name;
    bool stream;           /* TLS byte stream instead of datagrams */
    dh_queue_t *rx;        /* what this side receives */
    dh_queue_t *tx;        /* the other side's rx */
    bool timer_on;         /* io->timer(true) and not stopped since */
    unsigned timer_starts; /* io->timer(true) calls */
    unsigned timer_stops;  /* io->timer(false) calls */
    unsigned sent;         /* datagrams (sends) handed to io->send */
    unsigned drop_tx;      /* drop this many of the next sends (lost on the wire) */
    unsigned block_tx;     /* refuse this many of the next sends with -EAGAIN (would block) */
    bool recv_emsgsize;    /* the next io->recv reports an oversized datagram */
    uint8_t first_tx[DH_DGRAM];
    size_t first_tx_len;
    uint8_t last_tx[DH_DGRAM];
    size_t last_tx_len;
    _Alignas(8) uint8_t ctx[CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE];
    _Alignas(8) uint8_t sess[CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE];
} dh_peer_t;

extern dh_queue_t dh_c2s, dh_s2c;
extern dh_peer_t dh_cli, dh_srv;

/* Credentials: the server knows "client-1" with key_ok. */
extern const uint8_t dh_peer_addr[7];
extern const sock_secure_psk_t dh_psk_ok;         /* "client-1", the right key */
extern const sock_secure_psk_t dh_psk_wrong_key;  /* "client-1", another key */
extern const sock_secure_psk_t dh_psk_unknown;    /* "nobody" */

/* The core's callbacks as the harness plays them (for a test that builds its own config). */
extern const tlsman_io_t dh_io;

/* The driver under test (call first). */
void dh_use(const tlsman_driver_t *drv);
extern const tlsman_driver_t *dh_drv;

/* ---- set-up and handshake driving ------------------------------------------------------------ */

void dh_reset(bool stream);
/* ctx_init with the configuration the core would pass (table entries the driver supports, the
 * verification resolved for a PSK socket without trust anchors); -ENOTSUP, as the core, for
 * suites outside the table or the driver. */
int dh_ctx_up(dh_peer_t *p, tlsman_role_t role, const uint16_t *suites, size_t n,
              const sock_secure_psk_t *psk, bool datagram, size_t mtu);
/* Both sockets and sessions up. Returns false (after failed checks) if any step failed. */
bool dh_pair_up(const uint16_t *cli_suites, size_t cli_n, const uint16_t *srv_suites,
                size_t srv_n, const sock_secure_psk_t *cli_psk, bool stream, size_t mtu);
/* dh_pair_up() with one suite on both sides. */
bool dh_pair_up_one(uint16_t suite, const sock_secure_psk_t *cli_psk, bool stream, size_t mtu);
void dh_pair_down(void);

typedef struct {
    int cli;               /* last handshake() result of the client */
    int srv;               /* ... of the server */
    unsigned hello_verify; /* server sessions restarted after HelloVerifyRequest */
} dh_result_t;

/*
 * Call handshake() on both sides in turn until both are done (0 or an error) or nothing moves
 * (both waiting, both queues empty: a timer would be needed). Like the core, a server session that
 * answers with HelloVerifyRequest is freed and a fresh one takes the next ClientHello.
 * With drop_server_final, the server's last flight is lost the moment it completes.
 */
dh_result_t dh_run_handshake(bool drop_server_final);

/* A fresh server session in place of the current one, as the core makes after a
 * HelloVerifyRequest. */
void dh_srv_renew(void);

/* The first round trip of a DTLS handshake, checked: the client's ClientHello, the server's
 * HelloVerifyRequest, and a fresh server session for the hello with the cookie (not sent yet). */
void dh_hello_verify(void);

/* A full PSK handshake over datagrams with one suite; returns true if both sides completed. */
bool dh_connect_pair(uint16_t suite, size_t mtu);

#endif
