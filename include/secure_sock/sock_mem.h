/**
 * @file sock_mem.h
 * @brief In-memory datagram network: any number of endpoints in one process, no OS, no malloc.
 *
 * For tests and for boards without a network stack. Endpoints join a sock_memnet_t under an
 * address of their choosing; a datagram sent to an address is queued at the endpoint holding it
 * (dropped and counted if none does, or if its queue is full, as UDP would). Tests can forge
 * datagrams from any source (sock_mem_inject) and filter every datagram in flight (drop, corrupt,
 * truncate) through a hook. Single-threaded: all endpoints of a net are used from one thread.
 */
#ifndef SECURE_SOCK_SOCK_MEM_H
#define SECURE_SOCK_SOCK_MEM_H

#include "secure_sock/config.h"
#include "secure_sock/sock.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sock_mem sock_mem_t;

/** Verdict of a filter hook. */
enum sock_mem_verdict {
    SOCK_MEM_DELIVER = 0, /**< queue the (possibly modified) datagram */
    SOCK_MEM_DROP = 1,    /**< discard it (counted in `dropped`) */
};

/**
 * Filter hook, called for every datagram sent on the net before it is queued. It may change the
 * bytes in place and shorten *len (never lengthen it). Returns enum sock_mem_verdict.
 */
typedef int (*sock_mem_filter_t)(void *arg, const sock_ep_t *from, const sock_ep_t *to,
                                 uint8_t *data, size_t *len);

/**
 * Idle hook, called by `wait` on an endpoint with nothing queued, so that a single-threaded test
 * can run the other side (and advance a simulated clock) while a blocking call waits.
 */
typedef void (*sock_mem_idle_t)(void *arg, sock_mem_t *waiting, uint32_t timeout_ms);

/** The shared medium. Zero it with sock_memnet_init(); the caller owns it. */
typedef struct {
    sock_mem_t *members;     /**< private: list of joined endpoints */
    sock_mem_filter_t filter; /**< optional, see sock_mem_filter_t */
    void *filter_arg;         /**< passed to filter */
    sock_mem_idle_t idle;     /**< optional, see sock_mem_idle_t */
    void *idle_arg;           /**< passed to idle */
    uint32_t sent;            /**< datagrams sent on the net */
    uint32_t dropped;         /**< by the filter, for no receiver or for a full queue */
} sock_memnet_t;

/** One endpoint. Embeds sock_t first. All fields are private except the counters. */
struct sock_mem {
    sock_t base;          /**< generic part */
    sock_memnet_t *net;   /**< private */
    sock_mem_t *next;     /**< private: next member of the net */
    sock_ep_t addr;       /**< private: this endpoint's address */
    size_t head, tail, used; /**< private: ring state (bytes) */
    uint32_t queued;      /**< datagrams waiting */
    uint32_t overflows;   /**< datagrams dropped because this queue was full */
    uint8_t ring[CONFIG_SOCK_MEM_QUEUE_SIZE]; /**< private */
};

/** @brief Initialise an empty net. @return 0 or -EINVAL on NULL. */
int sock_memnet_init(sock_memnet_t *net);

/**
 * @brief Join @p net as @p addr and open the endpoint as a datagram transport.
 * @param[out] mem caller-owned; must stay valid until sock_close(&mem->base).
 * @param net      caller-owned net.
 * @param addr     this endpoint's address (copied). Must be unique on the net.
 * @return 0, -EINVAL on NULL or an unspecified family, -EADDRINUSE if @p addr is taken.
 */
int sock_mem_open(sock_mem_t *mem, sock_memnet_t *net, const sock_ep_t *addr);

/**
 * @brief Queue a datagram at @p to as if it came from @p from (forged source), bypassing the filter.
 * @return @p len, -EINVAL on NULL, -EMSGSIZE if it can never fit, -ENOBUFS if the queue is full.
 */
int sock_mem_inject(sock_mem_t *to, const sock_ep_t *from, const void *data, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* SECURE_SOCK_SOCK_MEM_H */
