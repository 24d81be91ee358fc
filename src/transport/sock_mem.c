/**
 * @file sock_mem.c
 * @brief In-memory datagram net (see sock_mem.h). Portable: no OS headers, no malloc.
 *
 * Each endpoint keeps its queue in its own byte ring (CONFIG_SOCK_MEM_QUEUE_SIZE bytes). A queued
 * datagram is a record header (source endpoint + length) followed by its bytes; records wrap
 * around the end of the ring, so the whole ring is usable.
 *
 * Largest datagram: sock_secure_transport_send() on a memory endpoint accepts at most SOCK_SECURE_MEM_MAX_DATAGRAM bytes
 * (= CONFIG_SOCK_SECURE_MAX_DATAGRAM, the largest datagram the core ever reads) and rejects more
 * with -EMSGSIZE, like a link with that MTU. The limit exists because the filter hook and the
 * fault injection work on a copy of the datagram in a stack buffer of that size (and hold slots of
 * that size), and it applies whether or not either is installed so that installing one never
 * changes behaviour. sock_secure_mem_inject() bypasses the filter and the faults and is limited only by
 * the queue size, so tests can still hand the core oversized datagrams.
 *
 * Fault injection (sock_secure_mem_set_faults): a datagram a faulted endpoint sends goes filter hook ->
 * drop -> corrupt -> truncate -> duplicate -> reorder/delay. Held datagrams wait in the faults
 * struct's slots and are queued at their destination when released (by later traffic, by
 * sock_secure_memnet_tick() or by sock_secure_mem_faults_flush()); a destination gone by then loses them, as a
 * network would.
 *
 * Errors about a peer (what ICMP is to UDP): a queue entry with no bytes and an error code,
 * queued by sock_secure_mem_inject_error() or, with net->unreachable set, at the sender of a
 * datagram to an address nobody holds; recv and peek report it once (the code, the peer in
 * remote), in its place among the datagrams.
 *
 * Errors beyond sock_mem.h: -EBADF for any operation on a closed endpoint.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "secure_sock/mem.h"

/** Largest datagram sock_secure_transport_send() takes on a memory endpoint (see the file comment). */
#define SOCK_SECURE_MEM_MAX_DATAGRAM CONFIG_SOCK_SECURE_MAX_DATAGRAM

/** Header of one queued datagram in the ring. */
typedef struct {
    sock_secure_ep_t from; /**< source endpoint; of an error: the peer it is about */
    size_t len;     /**< bytes that follow (0 for an error) */
    int err;        /**< 0: a datagram; negative: an error about @p from (recv/peek report it) */
} sock_secure_mem_hdr_t;

_Static_assert(CONFIG_SOCK_MEM_QUEUE_SIZE <= INT_MAX, "lengths are returned as int");
_Static_assert(CONFIG_SOCK_MEM_QUEUE_SIZE > sizeof(sock_secure_mem_hdr_t), "queue holds no datagram");
_Static_assert(SOCK_SECURE_MEM_MAX_DATAGRAM <= INT_MAX, "lengths are returned as int");

/* ---- the ring ------------------------------------------------------------------------------- */

static size_t mem_ring_free(const sock_secure_mem_t *mem)
{
    return CONFIG_SOCK_MEM_QUEUE_SIZE - mem->used;
}

/* Append n bytes at the tail. The caller checked that they fit. */
static void mem_ring_put(sock_secure_mem_t *mem, const void *src, size_t n)
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
/* Copy @p n bytes from ring position @p at to @p dst (NULL: none). */
static void mem_ring_copy(const sock_secure_mem_t *mem, size_t at, void *dst, size_t n)
{
    uint8_t *d = dst;
    size_t first = CONFIG_SOCK_MEM_QUEUE_SIZE - at;

    if (n == 0 || d == NULL) {
        return;
    }
    if (first > n) {
        first = n;
    }
    memcpy(d, &mem->ring[at], first);
    memcpy(d + first, mem->ring, n - first);
}

static void mem_ring_get(sock_secure_mem_t *mem, void *dst, size_t n)
{
    mem_ring_copy(mem, mem->head, dst, n);
    mem->head = (mem->head + n) % CONFIG_SOCK_MEM_QUEUE_SIZE;
    mem->used -= n;
}

static void mem_ring_reset(sock_secure_mem_t *mem)
{
    mem->head = 0;
    mem->tail = 0;
    mem->used = 0;
    mem->queued = 0;
}

/* Queue one datagram (@p err 0), or an error about peer @p from (@p err negative, no bytes).
 * Returns 0, or -ENOBUFS if the ring has no room for it now. */
static int mem_enqueue(sock_secure_mem_t *mem, const sock_secure_ep_t *from, const void *data, size_t len,
                       int err)
{
    sock_secure_mem_hdr_t hdr;

    if (mem_ring_free(mem) < sizeof(hdr) || mem_ring_free(mem) - sizeof(hdr) < len) {
        return -ENOBUFS;
    }
    memset(&hdr, 0, sizeof(hdr));
    hdr.from = *from;
    hdr.len = len;
    hdr.err = err;
    mem_ring_put(mem, &hdr, sizeof(hdr));
    mem_ring_put(mem, data, len);
    mem->queued++;
    return 0;
}

/* ---- the net -------------------------------------------------------------------------------- */

static sock_secure_mem_t *mem_find(const sock_secure_memnet_t *net, const sock_secure_ep_t *addr)
{
    for (sock_secure_mem_t *m = net->members; m != NULL; m = m->next) {
        if (sock_secure_ep_equal(&m->addr, addr)) {
            return m;
        }
    }
    return NULL;
}

static bool mem_is_member(const sock_secure_memnet_t *net, const sock_secure_mem_t *mem)
{
    for (const sock_secure_mem_t *m = net->members; m != NULL; m = m->next) {
        if (m == mem) {
            return true;
        }
    }
    return false;
}

static void mem_unlink(sock_secure_mem_t *mem)
{
    for (sock_secure_mem_t **link = &mem->net->members; *link != NULL; link = &(*link)->next) {
        if (*link == mem) {
            *link = mem->next;
            break;
        }
    }
    mem->next = NULL;
    mem->net = NULL;
}

/* Queue one datagram at the endpoint holding @p to. Counts it in net->dropped if nobody holds the
 * address (then, with net->unreachable set, the sender gets that error about @p to) or its queue
 * is full. Returns the verdict. */
static int mem_deliver(sock_secure_memnet_t *net, const sock_secure_ep_t *from, const sock_secure_ep_t *to,
                       const uint8_t *data, size_t len)
{
    sock_secure_mem_t *dst = mem_find(net, to);

    if (dst == NULL) {
        sock_secure_mem_t *sender = net->unreachable < 0 ? mem_find(net, from) : NULL;

        net->dropped++;
        if (sender != NULL) {
            (void)mem_enqueue(sender, to, NULL, 0, net->unreachable); /* lost if full, as ICMP */
        }
        return SOCK_SECURE_MEM_DROP;
    }
    if (mem_enqueue(dst, from, data, len, 0) != 0) {
        dst->overflows++;
        net->dropped++;
        return SOCK_SECURE_MEM_DROP;
    }
    return SOCK_SECURE_MEM_DELIVER;
}

/* ---- fault injection ------------------------------------------------------------------------ */

#define MEM_PER_MILLE 1000u
#define MEM_CORRUPT_BITS_MAX 8u

/* splitmix64: tiny, portable, and good enough to decide faults. */
static uint64_t mem_rng_next(sock_secure_mem_faults_t *f)
{
    uint64_t z = (f->rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* A value in [0, n) (n > 0). */
static size_t mem_rng_below(sock_secure_mem_faults_t *f, size_t n)
{
    return (size_t)(mem_rng_next(f) % (uint64_t)n);
}

/* Whether a fault with @p rate per mille strikes. 0 and >= 1000 draw nothing. */
static bool mem_hit(sock_secure_mem_faults_t *f, uint16_t rate)
{
    if (rate == 0) {
        return false;
    }
    if (rate >= MEM_PER_MILLE) {
        return true;
    }
    return mem_rng_below(f, MEM_PER_MILLE) < rate;
}

/* Flip @p bits distinct bits of data[0..len). */
static void mem_corrupt(sock_secure_mem_faults_t *f, uint8_t *data, size_t len, unsigned bits)
{
    size_t done[MEM_CORRUPT_BITS_MAX];
    unsigned n = 0;

    if ((size_t)bits > len * 8u) {
        bits = (unsigned)(len * 8u);
    }
    while (n < bits) {
        size_t pos = mem_rng_below(f, len * 8u);
        bool again = false;
        for (unsigned i = 0; i < n; i++) {
            again = again || done[i] == pos;
        }
        if (!again) {
            done[n++] = pos;
            data[pos / 8u] ^= (uint8_t)(1u << (pos % 8u));
        }
    }
}

/* Send held slot @p h on and free it. */
static void mem_release(sock_secure_mem_t *self, sock_secure_mem_held_t *h)
{
    sock_secure_mem_faults_t *f = self->faults;

    (void)mem_deliver(self->net, &self->addr, &h->to, h->data, h->len);
    h->used = 0;
    f->held--;
    f->stats.released++;
}

/* The busy slot held earliest that @p ready accepts, or NULL. */
static sock_secure_mem_held_t *mem_first_held(sock_secure_mem_faults_t *f,
                                       bool (*ready)(const sock_secure_mem_held_t *h, uint64_t now),
                                       uint64_t now)
{
    sock_secure_mem_held_t *first = NULL;

    for (size_t i = 0; i < CONFIG_SOCK_MEM_FAULT_HOLD; i++) {
        sock_secure_mem_held_t *h = &f->slot[i];
        /* h->order - first->order wraps above UINT32_MAX / 2 when h was held first */
        if (h->used && ready(h, now) &&
            (first == NULL || h->order - first->order > UINT32_MAX / 2)) {
            first = h;
        }
    }
    return first;
}

static bool mem_ready_count(const sock_secure_mem_held_t *h, uint64_t now)
{
    (void)now;
    return h->after == 0 && h->due_ms == UINT64_MAX;
}

static bool mem_ready_time(const sock_secure_mem_held_t *h, uint64_t now)
{
    return h->due_ms <= now;
}

static bool mem_ready_any(const sock_secure_mem_held_t *h, uint64_t now)
{
    (void)h;
    (void)now;
    return true;
}

/* Release what @p ready accepts, oldest first. Returns the count. */
static int mem_release_ready(sock_secure_mem_t *self,
                             bool (*ready)(const sock_secure_mem_held_t *h, uint64_t now), uint64_t now)
{
    sock_secure_mem_held_t *h;
    int n = 0;

    while (self->faults != NULL && (h = mem_first_held(self->faults, ready, now)) != NULL) {
        mem_release(self, h);
        n++;
    }
    return n;
}

static sock_secure_mem_held_t *mem_free_slot(sock_secure_mem_faults_t *f)
{
    for (size_t i = 0; i < CONFIG_SOCK_MEM_FAULT_HOLD; i++) {
        if (!f->slot[i].used) {
            return &f->slot[i];
        }
    }
    return NULL;
}

/* One datagram sent by @p self through its faults (@p data is a private copy it may modify). */
static void mem_faults_send(sock_secure_mem_t *self, uint8_t *data, size_t len, const sock_secure_ep_t *to)
{
    sock_secure_mem_faults_t *f = self->faults;
    const sock_secure_mem_fault_cfg_t *c = &f->cfg;
    enum { HOLD_NONE, HOLD_REORDER, HOLD_DELAY } hold = HOLD_NONE;
    bool dropped = false;

    f->stats.seen++;
    if (mem_hit(f, c->drop)) {
        f->stats.dropped++;
        self->net->dropped++;
        dropped = true;
    } else {
        if (len > 0 && mem_hit(f, c->corrupt)) {
            unsigned bits = c->corrupt_bits == 0 ? 1u : c->corrupt_bits;
            mem_corrupt(f, data, len, bits > MEM_CORRUPT_BITS_MAX ? MEM_CORRUPT_BITS_MAX : bits);
            f->stats.corrupted++;
        }
        if (len > 0 && mem_hit(f, c->truncate)) {
            len = mem_rng_below(f, len);
            f->stats.truncated++;
        }
        if (mem_hit(f, c->duplicate)) {
            f->stats.duplicated++;
            (void)mem_deliver(self->net, &self->addr, to, data, len);
        }
        if (mem_hit(f, c->reorder)) {
            hold = HOLD_REORDER;
        } else if (mem_hit(f, c->delay)) {
            hold = HOLD_DELAY;
        }
    }
    sock_secure_mem_held_t *slot = hold != HOLD_NONE ? mem_free_slot(f) : NULL;
    if (hold != HOLD_NONE && slot == NULL) {
        f->stats.hold_full++;
        hold = HOLD_NONE;
    }
    if (!dropped && hold == HOLD_NONE) {
        (void)mem_deliver(self->net, &self->addr, to, data, len);
    }
    /* this datagram has passed: reordered ones waiting for it may go (after it) */
    for (size_t i = 0; i < CONFIG_SOCK_MEM_FAULT_HOLD; i++) {
        sock_secure_mem_held_t *h = &f->slot[i];
        if (h->used && h->after > 0) {
            h->after--;
        }
    }
    (void)mem_release_ready(self, mem_ready_count, 0);
    if (hold != HOLD_NONE) {
        slot->used = 1;
        slot->to = *to;
        slot->len = len;
        slot->order = f->order++;
        if (len > 0) {
            memcpy(slot->data, data, len);
        }
        if (hold == HOLD_REORDER) {
            slot->after = c->reorder_gap == 0 ? 1u : c->reorder_gap;
            slot->due_ms = UINT64_MAX;
            f->stats.reordered++;
        } else {
            slot->after = 0;
            slot->due_ms = self->net->now_ms + c->delay_ms;
            f->stats.delayed++;
        }
        f->held++;
    }
}

/* Drop whatever @p mem's faults hold (the endpoint closes: datagrams in flight are lost). */
static void mem_faults_discard(sock_secure_mem_t *mem)
{
    sock_secure_mem_faults_t *f = mem->faults;

    if (f == NULL) {
        return;
    }
    for (size_t i = 0; i < CONFIG_SOCK_MEM_FAULT_HOLD; i++) {
        f->slot[i].used = 0;
    }
    f->held = 0;
}

/* ---- ops ------------------------------------------------------------------------------------ */

/* What recv and peek check first: 0 if a datagram is queued, else the code they return. */
static int mem_ready(const sock_secure_mem_t *mem, const void *buf, size_t len)
{
    if (mem->net == NULL) {
        return -EBADF;
    }
    if (buf == NULL && len > 0) {
        return -EINVAL;
    }
    return mem->queued == 0 ? -EAGAIN : 0;
}

static int mem_recv(sock_secure_transport_t *sock, void *buf, size_t len, sock_secure_ep_t *remote)
{
    sock_secure_mem_t *mem = (sock_secure_mem_t *)sock;
    sock_secure_mem_hdr_t hdr;
    int rc = mem_ready(mem, buf, len);

    if (rc < 0) {
        return rc;
    }
    mem_ring_get(mem, &hdr, sizeof(hdr));
    mem->queued--;
    if (hdr.err < 0) {
        if (remote != NULL) {
            *remote = hdr.from;
        }
        return hdr.err;
    }
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

/* The next datagram, left queued: its sender, its first bytes, its length. */
static int mem_peek(sock_secure_transport_t *sock, void *buf, size_t len, sock_secure_ep_t *remote)
{
    sock_secure_mem_t *mem = (sock_secure_mem_t *)sock;
    sock_secure_mem_hdr_t hdr;
    int rc = mem_ready(mem, buf, len);

    if (rc < 0) {
        return rc;
    }
    mem_ring_copy(mem, mem->head, &hdr, sizeof(hdr));
    if (hdr.err < 0) {
        return mem_recv(sock, buf, len, remote); /* an error is reported once, by either */
    }
    mem_ring_copy(mem, (mem->head + sizeof(hdr)) % CONFIG_SOCK_MEM_QUEUE_SIZE, buf,
                  hdr.len < len ? hdr.len : len);
    if (remote != NULL) {
        *remote = hdr.from;
    }
    return (int)hdr.len;
}

static int mem_send(sock_secure_transport_t *sock, const void *buf, size_t len, const sock_secure_ep_t *remote)
{
    sock_secure_mem_t *mem = (sock_secure_mem_t *)sock;
    sock_secure_memnet_t *net = mem->net;
    uint8_t copy[SOCK_SECURE_MEM_MAX_DATAGRAM];
    size_t out_len = len;

    if (net == NULL) {
        return -EBADF;
    }
    if (remote == NULL || (buf == NULL && len > 0)) {
        return -EINVAL;
    }
    if (len > SOCK_SECURE_MEM_MAX_DATAGRAM) {
        return -EMSGSIZE;
    }
    net->sent++;
    if (net->filter == NULL && mem->faults == NULL) {
        (void)mem_deliver(net, &mem->addr, remote, buf, len);
        return (int)len;
    }
    /* the filter and the faults work on a copy: the sender's buffer is never touched */
    if (len > 0) {
        memcpy(copy, buf, len);
    }
    if (net->filter != NULL) {
        if (net->filter(net->filter_arg, &mem->addr, remote, copy, &out_len) == SOCK_SECURE_MEM_DROP) {
            net->dropped++; /* the filter sits before the faults: they never see it */
            return (int)len;
        }
        if (out_len > len) {
            out_len = len; /* the hook must not lengthen a datagram: ignore the extra bytes */
        }
    }
    if (mem->faults != NULL) {
        mem_faults_send(mem, copy, out_len, remote);
    } else {
        (void)mem_deliver(net, &mem->addr, remote, copy, out_len);
    }
    return (int)len; /* UDP-like: the sender learns nothing of what happened in flight */
}

static int mem_wait(sock_secure_transport_t *sock, uint32_t timeout_ms)
{
    sock_secure_mem_t *mem = (sock_secure_mem_t *)sock;
    sock_secure_memnet_t *net = mem->net;

    if (net == NULL) {
        return -EBADF;
    }
    if (mem->queued == 0 && net->idle != NULL) {
        net->idle(net->idle_arg, mem, timeout_ms);
    }
    return mem->queued > 0 ? 1 : 0;
}

static int mem_local(sock_secure_transport_t *sock, sock_secure_ep_t *local)
{
    sock_secure_mem_t *mem = (sock_secure_mem_t *)sock;

    if (mem->net == NULL) {
        return -EBADF;
    }
    if (local == NULL) {
        return -EINVAL;
    }
    *local = mem->addr;
    return 0;
}

static void mem_close(sock_secure_transport_t *sock)
{
    sock_secure_mem_t *mem = (sock_secure_mem_t *)sock;

    if (mem->net != NULL) {
        mem_unlink(mem);
    }
    mem_faults_discard(mem);
    mem->faults = NULL;
    mem_ring_reset(mem);
}

static const sock_secure_transport_ops_t sock_secure_mem_ops = {
    .recv = mem_recv,
    .peek = mem_peek,
    .send = mem_send,
    .wait = mem_wait,
    .local = mem_local,
    .close = mem_close,
};

/* ---- public --------------------------------------------------------------------------------- */

int sock_secure_memnet_init(sock_secure_memnet_t *net)
{
    if (net == NULL) {
        return -EINVAL;
    }
    memset(net, 0, sizeof(*net));
    return 0;
}

int sock_secure_mem_open(sock_secure_mem_t *mem, sock_secure_memnet_t *net, const sock_secure_ep_t *addr)
{
    if (mem == NULL || net == NULL || addr == NULL) {
        return -EINVAL;
    }
    if (addr->family != SOCK_SECURE_AF_INET && addr->family != SOCK_SECURE_AF_INET6) {
        return -EINVAL;
    }
    if (mem_is_member(net, mem)) {
        return -EALREADY; /* relinking would corrupt the member list */
    }
    if (mem_find(net, addr) != NULL) {
        return -EADDRINUSE;
    }
    mem->base.ops = &sock_secure_mem_ops;
    mem->base.flags = SOCK_SECURE_TRANSPORT_DATAGRAM;
    mem->addr = *addr;
    mem->overflows = 0;
    mem->faults = NULL;
    mem_ring_reset(mem);
    mem->net = net;
    mem->next = net->members;
    net->members = mem;
    return 0;
}

int sock_secure_mem_inject(sock_secure_mem_t *to, const sock_secure_ep_t *from, const void *data, size_t len)
{
    if (to == NULL || from == NULL || (data == NULL && len > 0)) {
        return -EINVAL;
    }
    if (to->net == NULL) {
        return -EBADF;
    }
    if (len > CONFIG_SOCK_MEM_QUEUE_SIZE - sizeof(sock_secure_mem_hdr_t)) {
        return -EMSGSIZE;
    }
    if (mem_enqueue(to, from, data, len, 0) != 0) {
        return -ENOBUFS;
    }
    return (int)len;
}

int sock_secure_mem_inject_error(sock_secure_mem_t *to, const sock_secure_ep_t *about, int err)
{
    if (to == NULL || about == NULL || err >= 0 || err == -EAGAIN || err == -EMSGSIZE ||
        (about->family != SOCK_SECURE_AF_INET && about->family != SOCK_SECURE_AF_INET6)) {
        return -EINVAL;
    }
    if (to->net == NULL) {
        return -EBADF;
    }
    return mem_enqueue(to, about, NULL, 0, err);
}

int sock_secure_mem_faults_init(sock_secure_mem_faults_t *faults, uint64_t seed)
{
    if (faults == NULL) {
        return -EINVAL;
    }
    memset(faults, 0, sizeof(*faults));
    faults->rng = seed;
    return 0;
}

int sock_secure_mem_set_faults(sock_secure_mem_t *mem, sock_secure_mem_faults_t *faults)
{
    if (mem == NULL) {
        return -EINVAL;
    }
    if (mem->net == NULL) {
        return -EBADF;
    }
    if (faults != NULL) {
        for (const sock_secure_mem_t *m = mem->net->members; m != NULL; m = m->next) {
            if (m != mem && m->faults == faults) {
                return -EBUSY; /* one struct, one sender: its held datagrams know their source */
            }
        }
    }
    if (mem->faults != faults) {
        (void)mem_release_ready(mem, mem_ready_any, 0);
    }
    mem->faults = faults;
    return 0;
}

int sock_secure_memnet_tick(sock_secure_memnet_t *net, uint64_t now_ms)
{
    int n = 0;

    if (net == NULL) {
        return -EINVAL;
    }
    if (now_ms > net->now_ms) {
        net->now_ms = now_ms;
    }
    /* a released datagram may be the last use of an endpoint's faults, but never unlinks it */
    for (sock_secure_mem_t *m = net->members; m != NULL; m = m->next) {
        if (m->faults != NULL && m->faults->held > 0) {
            n += mem_release_ready(m, mem_ready_time, net->now_ms);
        }
    }
    return n;
}

uint64_t sock_secure_memnet_next_release(const sock_secure_memnet_t *net)
{
    uint64_t next = UINT64_MAX;

    if (net == NULL) {
        return next;
    }
    for (const sock_secure_mem_t *m = net->members; m != NULL; m = m->next) {
        if (m->faults == NULL) {
            continue;
        }
        for (size_t i = 0; i < CONFIG_SOCK_MEM_FAULT_HOLD; i++) {
            const sock_secure_mem_held_t *h = &m->faults->slot[i];
            if (h->used && h->due_ms < next) {
                next = h->due_ms;
            }
        }
    }
    return next;
}

int sock_secure_mem_faults_flush(sock_secure_mem_t *mem)
{
    if (mem == NULL) {
        return -EINVAL;
    }
    if (mem->net == NULL) {
        return -EBADF;
    }
    return mem_release_ready(mem, mem_ready_any, 0);
}
