/*
 * A minimal in-process datagram queue for the record benchmarks: one memcpy in (send), one
 * memcpy out (recv). bench_rec_bare connects two mbedTLS contexts through two of these (its
 * "memory BIO"); bench_rec_ours wraps the same queue in a sock_secure_transport_ops_t ("pipe" transport), so that
 * both programs move ciphertext through identical code and the difference is our layer.
 */
#ifndef SS_BENCH_QUEUE_H
#define SS_BENCH_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define BENCH_QUEUE_SLOTS 16
#define BENCH_QUEUE_MTU 2048

typedef struct {
    unsigned head, count;
    size_t len[BENCH_QUEUE_SLOTS];
    unsigned char data[BENCH_QUEUE_SLOTS][BENCH_QUEUE_MTU];
} bench_queue_t;

/* Append one datagram. Returns len, -1 if it does not fit or the queue is full (dropped). */
static inline int bench_queue_push(bench_queue_t *q, const void *buf, size_t len)
{
    if (len > BENCH_QUEUE_MTU || q->count == BENCH_QUEUE_SLOTS) {
        return -1;
    }
    unsigned i = (q->head + q->count) % BENCH_QUEUE_SLOTS;
    memcpy(q->data[i], buf, len);
    q->len[i] = len;
    q->count++;
    return (int)len;
}

/* Take the oldest datagram into buf. Returns its length, 0 if the queue is empty, -1 if it is
 * larger than max (dropped, as a datagram socket would truncate it). */
static inline int bench_queue_pop(bench_queue_t *q, void *buf, size_t max)
{
    if (q->count == 0) {
        return 0;
    }
    unsigned i = q->head;
    size_t n = q->len[i];
    q->head = (q->head + 1) % BENCH_QUEUE_SLOTS;
    q->count--;
    if (n > max) {
        return -1;
    }
    memcpy(buf, q->data[i], n);
    return (int)n;
}

#endif /* SS_BENCH_QUEUE_H */
