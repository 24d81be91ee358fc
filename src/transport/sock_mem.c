/**
 * @file sock_mem.c
 * @brief In-memory datagram net (see sock_mem.h). Portable: no OS headers, no malloc.
 *
 * Each endpoint keeps its queue in its own byte ring (CONFIG_SOCK_MEM_QUEUE_SIZE bytes). A queued
 * datagram is a record header (source endpoint + length) followed by its bytes; records wrap
 * around the end of the ring, so the whole ring is usable.
 *
 * Largest datagram: sock_send() on a memory endpoint accepts at most SOCK_MEM_MAX_DATAGRAM bytes
 * (= CONFIG_SOCK_SECURE_MAX_DATAGRAM, the largest datagram the core ever reads) and rejects more
 * with -EMSGSIZE, like a link with that MTU. The limit exists because the filter hook works on a
 * copy of the datagram in a stack buffer of that size, and it applies whether or not a filter is
 * installed so that installing one never changes behaviour. sock_mem_inject() bypasses the filter
 * and is limited only by the queue size, so tests can still hand the core oversized datagrams.
 *
 * Errors beyond sock_mem.h: -EBADF for any operation on a closed endpoint.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "secure_sock/sock_mem.h"

/** Largest datagram sock_send() takes on a memory endpoint (see the file comment). */
#define SOCK_MEM_MAX_DATAGRAM CONFIG_SOCK_SECURE_MAX_DATAGRAM

/** Header of one queued datagram in the ring. */
typedef struct {
    sock_ep_t from; /**< source endpoint */
    size_t len;     /**< bytes that follow */
} sock_mem_hdr_t;

_Static_assert(CONFIG_SOCK_MEM_QUEUE_SIZE <= INT_MAX, "lengths are returned as int");
_Static_assert(CONFIG_SOCK_MEM_QUEUE_SIZE > sizeof(sock_mem_hdr_t), "queue holds no datagram");
_Static_assert(SOCK_MEM_MAX_DATAGRAM <= INT_MAX, "lengths are returned as int");

/* ---- the ring ------------------------------------------------------------------------------- */

static size_t mem_ring_free(const sock_mem_t *mem)
{
    return CONFIG_SOCK_MEM_QUEUE_SIZE - mem->used;
}

/* Append n bytes at the tail. The caller checked that they fit. */
static void mem_ring_put(sock_mem_t *mem, const void *src, size_t n)
{
    const uint8_t *s = src;
    size_t first = CONFIG_SOCK_MEM_QUEUE_SIZE - mem->tail;

    if (n == 0) {
        return; /* src may be NULL for an empty datagram */
    }
    if (first > n) {
        first = n;
    }
    memcpy(&mem->ring[mem->tail], s, first);
    memcpy(mem->ring, s + first, n - first);
    mem->tail = (mem->tail + n) % CONFIG_SOCK_MEM_QUEUE_SIZE;
    mem->used += n;
}

/* Remove n bytes from the head into dst, or discard them if dst is NULL. */
static void mem_ring_get(sock_mem_t *mem, void *dst, size_t n)
{
    uint8_t *d = dst;
    size_t first = CONFIG_SOCK_MEM_QUEUE_SIZE - mem->head;

    if (n == 0) {
        return;
    }
    if (first > n) {
        first = n;
    }
    if (d != NULL) {
        memcpy(d, &mem->ring[mem->head], first);
        memcpy(d + first, mem->ring, n - first);
    }
    mem->head = (mem->head + n) % CONFIG_SOCK_MEM_QUEUE_SIZE;
    mem->used -= n;
}

static void mem_ring_reset(sock_mem_t *mem)
{
    mem->head = 0;
    mem->tail = 0;
    mem->used = 0;
    mem->queued = 0;
}

/* Queue one datagram. Returns 0, or -ENOBUFS if the ring has no room for it now. */
static int mem_enqueue(sock_mem_t *mem, const sock_ep_t *from, const void *data, size_t len)
{
    sock_mem_hdr_t hdr;

    if (mem_ring_free(mem) < sizeof(hdr) || mem_ring_free(mem) - sizeof(hdr) < len) {
        return -ENOBUFS;
    }
    memset(&hdr, 0, sizeof(hdr));
    hdr.from = *from;
    hdr.len = len;
    mem_ring_put(mem, &hdr, sizeof(hdr));
    mem_ring_put(mem, data, len);
    mem->queued++;
    return 0;
}

/* ---- the net -------------------------------------------------------------------------------- */

static sock_mem_t *mem_find(const sock_memnet_t *net, const sock_ep_t *addr)
{
    for (sock_mem_t *m = net->members; m != NULL; m = m->next) {
        if (sock_ep_equal(&m->addr, addr)) {
            return m;
        }
    }
    return NULL;
}

static bool mem_is_member(const sock_memnet_t *net, const sock_mem_t *mem)
{
    for (const sock_mem_t *m = net->members; m != NULL; m = m->next) {
        if (m == mem) {
            return true;
        }
    }
    return false;
}

static void mem_unlink(sock_mem_t *mem)
{
    for (sock_mem_t **link = &mem->net->members; *link != NULL; link = &(*link)->next) {
        if (*link == mem) {
            *link = mem->next;
            break;
        }
    }
    mem->next = NULL;
    mem->net = NULL;
}

/* Run the filter on a copy; deliver the result. Returns the verdict. */
static int mem_filter_and_queue(sock_mem_t *self, const uint8_t *data, size_t len,
                                const sock_ep_t *to)
{
    sock_memnet_t *net = self->net;
    uint8_t copy[SOCK_MEM_MAX_DATAGRAM];
    size_t out_len = len;
    sock_mem_t *dst;

    if (net->filter != NULL) {
        if (len > 0) {
            memcpy(copy, data, len);
        }
        if (net->filter(net->filter_arg, &self->addr, to, copy, &out_len) == SOCK_MEM_DROP) {
            return SOCK_MEM_DROP;
        }
        if (out_len > len) {
            out_len = len; /* the hook must not lengthen a datagram: ignore the extra bytes */
        }
        data = copy;
    }
    dst = mem_find(net, to);
    if (dst == NULL) {
        return SOCK_MEM_DROP;
    }
    if (mem_enqueue(dst, &self->addr, data, out_len) != 0) {
        dst->overflows++;
        return SOCK_MEM_DROP;
    }
    return SOCK_MEM_DELIVER;
}

/* ---- ops ------------------------------------------------------------------------------------ */

static int mem_recv(sock_t *sock, void *buf, size_t len, sock_ep_t *remote)
{
    sock_mem_t *mem = (sock_mem_t *)sock;
    sock_mem_hdr_t hdr;

    if (mem->net == NULL) {
        return -EBADF;
    }
    if (buf == NULL && len > 0) {
        return -EINVAL;
    }
    if (mem->queued == 0) {
        return -EAGAIN;
    }
    mem_ring_get(mem, &hdr, sizeof(hdr));
    mem->queued--;
    if (hdr.len > len) {
        mem_ring_get(mem, NULL, hdr.len);
        return -EMSGSIZE;
    }
    mem_ring_get(mem, buf, hdr.len);
    if (remote != NULL) {
        *remote = hdr.from;
    }
    return (int)hdr.len;
}

static int mem_send(sock_t *sock, const void *buf, size_t len, const sock_ep_t *remote)
{
    sock_mem_t *mem = (sock_mem_t *)sock;

    if (mem->net == NULL) {
        return -EBADF;
    }
    if (remote == NULL || (buf == NULL && len > 0)) {
        return -EINVAL;
    }
    if (len > SOCK_MEM_MAX_DATAGRAM) {
        return -EMSGSIZE;
    }
    mem->net->sent++;
    if (mem_filter_and_queue(mem, buf, len, remote) == SOCK_MEM_DROP) {
        mem->net->dropped++;
    }
    return (int)len;
}

static int mem_wait(sock_t *sock, uint32_t timeout_ms)
{
    sock_mem_t *mem = (sock_mem_t *)sock;
    sock_memnet_t *net = mem->net;

    if (net == NULL) {
        return -EBADF;
    }
    if (mem->queued == 0 && net->idle != NULL) {
        net->idle(net->idle_arg, mem, timeout_ms);
    }
    return mem->queued > 0 ? 1 : 0;
}

static int mem_local(sock_t *sock, sock_ep_t *local)
{
    sock_mem_t *mem = (sock_mem_t *)sock;

    if (mem->net == NULL) {
        return -EBADF;
    }
    if (local == NULL) {
        return -EINVAL;
    }
    *local = mem->addr;
    return 0;
}

static void mem_close(sock_t *sock)
{
    sock_mem_t *mem = (sock_mem_t *)sock;

    if (mem->net != NULL) {
        mem_unlink(mem);
    }
    mem_ring_reset(mem);
}

static const sock_ops_t sock_mem_ops = {
    .recv = mem_recv,
    .send = mem_send,
    .wait = mem_wait,
    .local = mem_local,
    .close = mem_close,
};

/* ---- public --------------------------------------------------------------------------------- */

int sock_memnet_init(sock_memnet_t *net)
{
    if (net == NULL) {
        return -EINVAL;
    }
    memset(net, 0, sizeof(*net));
    return 0;
}

int sock_mem_open(sock_mem_t *mem, sock_memnet_t *net, const sock_ep_t *addr)
{
    if (mem == NULL || net == NULL || addr == NULL) {
        return -EINVAL;
    }
    if (addr->family != SOCK_AF_INET && addr->family != SOCK_AF_INET6) {
        return -EINVAL;
    }
    if (mem_is_member(net, mem)) {
        return -EALREADY; /* relinking would corrupt the member list */
    }
    if (mem_find(net, addr) != NULL) {
        return -EADDRINUSE;
    }
    mem->base.ops = &sock_mem_ops;
    mem->base.flags = SOCK_F_DATAGRAM;
    mem->addr = *addr;
    mem->overflows = 0;
    mem_ring_reset(mem);
    mem->net = net;
    mem->next = net->members;
    net->members = mem;
    return 0;
}

int sock_mem_inject(sock_mem_t *to, const sock_ep_t *from, const void *data, size_t len)
{
    if (to == NULL || from == NULL || (data == NULL && len > 0)) {
        return -EINVAL;
    }
    if (to->net == NULL) {
        return -EBADF;
    }
    if (len > CONFIG_SOCK_MEM_QUEUE_SIZE - sizeof(sock_mem_hdr_t)) {
        return -EMSGSIZE;
    }
    if (mem_enqueue(to, from, data, len) != 0) {
        return -ENOBUFS;
    }
    return (int)len;
}
