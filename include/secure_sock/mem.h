/**
 * @file mem.h
 * @brief In-memory datagram network: any number of endpoints in one process, no OS, no malloc.
 *
 * For tests and for boards without a network stack. Endpoints join a sock_secure_memnet_t under an
 * address of their choosing; a datagram sent to an address is queued at the endpoint holding it
 * (dropped and counted if none does, or if its queue is full, as UDP would). Tests can forge
 * datagrams from any source (sock_secure_mem_inject), queue errors about a peer as ICMP would
 * (sock_secure_mem_inject_error, sock_secure_memnet_t.unreachable) and filter every datagram in flight (drop, corrupt,
 * truncate) through a hook. Single-threaded: all endpoints of a net are used from one thread.
 *
 * Fault injection (the equivalent of mbedTLS's ssl-opt.sh udp_proxy): attach a sock_secure_mem_faults_t
 * to an endpoint and every datagram it sends may be dropped, duplicated, reordered (held back until
 * K later datagrams have passed), delayed (held for N ms of the net's clock, which the caller
 * advances with sock_secure_memnet_tick()), corrupted (bit flips) or truncated, each with its own rate and
 * counter, decided by a seeded PRNG (splitmix64: the same seed gives the same faults on every
 * platform). One faults struct per sending endpoint gives per-direction faults; held datagrams
 * live in the struct's fixed slots (no malloc).
 */
#ifndef SECURE_SOCK_MEM_H
#define SECURE_SOCK_MEM_H

#include "secure_sock/config.h"
#include "secure_sock/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One in-memory endpoint (struct sock_mem below). */
typedef struct sock_mem sock_secure_mem_t;

/** Verdict of a filter hook. */
enum sock_secure_mem_verdict {
    SOCK_SECURE_MEM_DELIVER = 0, /**< queue the (possibly modified) datagram */
    SOCK_SECURE_MEM_DROP = 1,    /**< discard it (counted in `dropped`) */
};

/**
 * Filter hook, called for every datagram sent on the net before it is queued. It may change the
 * bytes in place and shorten *len (never lengthen it). Returns enum sock_secure_mem_verdict.
 */
typedef int (*sock_secure_mem_filter_t)(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to,
                                 uint8_t *data, size_t *len);

/**
 * Idle hook, called by `wait` on an endpoint with nothing queued, so that a single-threaded test
 * can run the other side (and advance a simulated clock) while a blocking call waits.
 */
typedef void (*sock_secure_mem_idle_t)(void *arg, sock_secure_mem_t *waiting, uint32_t timeout_ms);

/** The shared medium. Zero it with sock_secure_memnet_init(); the caller owns it. */
typedef struct {
    sock_secure_mem_t *members;     /**< private: list of joined endpoints */
    sock_secure_mem_filter_t filter; /**< optional, see sock_secure_mem_filter_t */
    void *filter_arg;         /**< passed to filter */
    sock_secure_mem_idle_t idle;     /**< optional, see sock_secure_mem_idle_t */
    void *idle_arg;           /**< passed to idle */
    uint32_t sent;            /**< datagrams sent on the net */
    uint32_t dropped;         /**< by the filter, by fault injection, for no receiver or for a
                                   full queue */
    uint64_t now_ms;          /**< the net's clock for delayed datagrams (sock_secure_memnet_tick) */
    int unreachable;          /**< 0 (default): a datagram to an address nobody holds is just
                                   dropped; a negative code (-ECONNREFUSED): the sender's recv
                                   also reports that error about the address, once, as a UDP
                                   socket reports an ICMP port unreachable (transport.h) */
} sock_secure_memnet_t;

/** Fault rates of one sending endpoint. Rates are per mille: 0 never, 1000 always. */
typedef struct {
    uint16_t drop;         /**< datagrams dropped */
    uint16_t duplicate;    /**< datagrams queued twice (the copy at once) */
    uint16_t reorder;      /**< datagrams held back until reorder_gap later ones were sent */
    uint16_t delay;        /**< datagrams held for delay_ms of the net's clock */
    uint16_t corrupt;      /**< datagrams with corrupt_bits bits flipped at random positions */
    uint16_t truncate;     /**< datagrams cut to a random shorter length (0..len-1) */
    uint16_t reorder_gap;  /**< later datagrams a reordered one waits for (0 means 1) */
    uint16_t corrupt_bits; /**< distinct bits flipped per corrupted datagram (0 means 1; max 8) */
    uint32_t delay_ms;     /**< hold time of a delayed datagram */
} sock_secure_mem_fault_cfg_t;

/** What fault injection did (counters only grow; zero them at will). */
typedef struct {
    uint32_t seen;       /**< datagrams the faults were applied to */
    uint32_t dropped;    /**< dropped */
    uint32_t duplicated; /**< queued twice */
    uint32_t reordered;  /**< held back for reordering */
    uint32_t delayed;    /**< held back for a delay */
    uint32_t corrupted;  /**< bits flipped */
    uint32_t truncated;  /**< shortened */
    uint32_t released;   /**< held datagrams sent on (later, by count, tick or flush) */
    uint32_t hold_full;  /**< reorder/delay skipped because every hold slot was busy */
} sock_secure_mem_fault_stats_t;

/** One held datagram (private). */
typedef struct {
    sock_secure_ep_t to;     /**< destination */
    uint64_t due_ms;  /**< release time on the net's clock (delay); UINT64_MAX for reorder */
    uint32_t after;   /**< later datagrams still to pass (reorder); 0 for delay */
    uint32_t order;   /**< hold order: releases at the same moment keep it */
    size_t len;       /**< bytes in data */
    uint8_t used;     /**< slot busy */
    uint8_t data[CONFIG_SOCK_SECURE_MAX_DATAGRAM]; /**< the datagram */
} sock_secure_mem_held_t;

/** Fault injection state of one sending endpoint. Caller-owned; sock_secure_mem_faults_init() it. */
typedef struct {
    sock_secure_mem_fault_cfg_t cfg;     /**< rates; may be changed at any time */
    sock_secure_mem_fault_stats_t stats; /**< counters */
    uint32_t held;                /**< datagrams held now */
    uint64_t rng;                 /**< private: PRNG state */
    uint32_t order;               /**< private: hold counter */
    sock_secure_mem_held_t slot[CONFIG_SOCK_MEM_FAULT_HOLD]; /**< private: held datagrams */
} sock_secure_mem_faults_t;

/** One endpoint. Embeds sock_secure_transport_t first. All fields are private except the counters. */
struct sock_mem {
    sock_secure_transport_t base;          /**< generic part */
    sock_secure_memnet_t *net;   /**< private */
    sock_secure_mem_t *next;     /**< private: next member of the net */
    sock_secure_ep_t addr;       /**< private: this endpoint's address */
    size_t head;          /**< private: ring state (bytes): read position */
    size_t tail;          /**< private: write position */
    size_t used;          /**< private: bytes queued */
    uint32_t queued;      /**< datagrams waiting */
    uint32_t overflows;   /**< datagrams dropped because this queue was full */
    sock_secure_mem_faults_t *faults; /**< private: see sock_secure_mem_set_faults() */
    uint8_t ring[CONFIG_SOCK_MEM_QUEUE_SIZE]; /**< private */
};

/** @brief Initialise an empty net. @return 0 or -EINVAL on NULL. */
int sock_secure_memnet_init(sock_secure_memnet_t *net);

/**
 * @brief Join @p net as @p addr and open the endpoint as a datagram transport.
 * @param[out] mem caller-owned; must stay valid until sock_secure_transport_close(&mem->base).
 * @param net      caller-owned net.
 * @param addr     this endpoint's address (copied). Must be unique on the net.
 * @return 0, -EINVAL on NULL or an unspecified family, -EADDRINUSE if @p addr is taken.
 */
int sock_secure_mem_open(sock_secure_mem_t *mem, sock_secure_memnet_t *net, const sock_secure_ep_t *addr);

/**
 * @brief Queue a datagram at @p to as if it came from @p from (forged source), bypassing the
 *        filter and the fault injection.
 * @return @p len, -EINVAL on NULL, -EMSGSIZE if it can never fit, -ENOBUFS if the queue is full.
 */
int sock_secure_mem_inject(sock_secure_mem_t *to, const sock_secure_ep_t *from, const void *data, size_t len);

/**
 * @brief Queue at @p to an error about peer @p about, as if the network had answered a datagram
 *        @p to sent there with an ICMP error (a forged one, if the test wants): @p to's next
 *        recv or peek that reaches it returns @p err with remote set to @p about, once
 *        (transport.h: an error about one peer).
 * @param err a negative code other than -EAGAIN and -EMSGSIZE (e.g. -ECONNREFUSED,
 *        -EHOSTUNREACH).
 * @return 0; -EINVAL on NULL, an invalid @p err or an unspecified family; -EBADF if @p to is
 *         closed; -ENOBUFS if its queue is full.
 */
int sock_secure_mem_inject_error(sock_secure_mem_t *to, const sock_secure_ep_t *about, int err);

/**
 * @brief Reset @p faults: no faults, counters zero, nothing held, PRNG seeded with @p seed.
 * @return 0 or -EINVAL on NULL.
 */
int sock_secure_mem_faults_init(sock_secure_mem_faults_t *faults, uint64_t seed);

/**
 * @brief Apply @p faults to every datagram @p mem sends from now on (sock_secure_transport_send; not
 *        sock_secure_mem_inject). Faults are applied after the net's filter hook, in this order: drop;
 *        corrupt; truncate; duplicate (the copy is queued at once); reorder or delay (the datagram
 *        itself is held; if no hold slot is free it goes at once, counted in hold_full). Every
 *        datagram that reaches the faults, dropped by them or not, counts towards releasing
 *        reordered ones (one the net's filter hook drops never reaches them).
 * @param faults caller-owned, kept by pointer until detached or sock_secure_transport_close(&mem->base) (which
 *        discards what is held). NULL detaches; what the previous faults held is released first.
 * @return 0; -EINVAL on NULL @p mem; -EBADF if @p mem is closed; -EBUSY if @p faults is attached
 *         to another endpoint of the net.
 */
int sock_secure_mem_set_faults(sock_secure_mem_t *mem, sock_secure_mem_faults_t *faults);

/**
 * @brief Advance the net's clock to @p now_ms (it never goes back) and release every delayed
 *        datagram that is due, in the order they were held.
 * @return the number released, or -EINVAL on NULL.
 */
int sock_secure_memnet_tick(sock_secure_memnet_t *net, uint64_t now_ms);

/** @brief Net clock time at which the next delayed datagram is due; UINT64_MAX if none is held
 *         (reordered datagrams wait for traffic, not time). NULL: UINT64_MAX. */
uint64_t sock_secure_memnet_next_release(const sock_secure_memnet_t *net);

/**
 * @brief Release every datagram @p mem's faults hold, now, in the order they were held.
 * @return the number released (0 without faults), -EINVAL on NULL, -EBADF if closed.
 */
int sock_secure_mem_faults_flush(sock_secure_mem_t *mem);

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_MEM_H */
