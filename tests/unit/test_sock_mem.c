/* The in-memory datagram net: delivery, order, forged sources, filter hook, full queues, oversize
 * datagrams, close and the idle hook. */
#include <stdint.h>
#include <string.h>

#include "secure_sock/mem.h"
#include "testutil.h"

/* Largest datagram sock_secure_transport_send() takes on a memory endpoint (documented in sock_mem.c). */
#define MEM_MAX_DATAGRAM CONFIG_SOCK_SECURE_MAX_DATAGRAM

static sock_secure_memnet_t net;
static sock_secure_mem_t alice, bob, carol;
static sock_secure_ep_t alice_ep, bob_ep, carol_ep;

/* A fresh net with alice (IPv4) and bob (IPv6) joined. */
static void setup(void)
{
    alice_ep = tu_ep("10.0.0.1:1000");
    bob_ep = tu_ep("[2001:db8::2]:2000");
    carol_ep = tu_ep("10.0.0.3:3000");
    CHECK_EQ(sock_secure_memnet_init(&net), 0);
    CHECK_EQ(sock_secure_mem_open(&alice, &net, &alice_ep), 0);
    CHECK_EQ(sock_secure_mem_open(&bob, &net, &bob_ep), 0);
}

static void teardown(void)
{
    sock_secure_transport_close(&alice.base);
    sock_secure_transport_close(&bob.base);
}

static void open_sets_flags_and_local_address(void)
{
    sock_secure_ep_t local;

    setup();
    CHECK_EQ(alice.base.flags, SOCK_SECURE_TRANSPORT_DATAGRAM);
    CHECK_EQ(sock_secure_transport_local(&bob.base, &local), 0);
    CHECK(sock_secure_ep_equal(&local, &bob_ep));
    CHECK_EQ(sock_secure_transport_local(&bob.base, NULL), -EINVAL);
    teardown();
}

static void open_rejects_bad_arguments(void)
{
    sock_secure_ep_t unspec;

    setup();
    memset(&unspec, 0, sizeof(unspec));
    CHECK_EQ(sock_secure_memnet_init(NULL), -EINVAL);
    CHECK_EQ(sock_secure_mem_open(NULL, &net, &carol_ep), -EINVAL);
    CHECK_EQ(sock_secure_mem_open(&carol, NULL, &carol_ep), -EINVAL);
    CHECK_EQ(sock_secure_mem_open(&carol, &net, NULL), -EINVAL);
    CHECK_EQ(sock_secure_mem_open(&carol, &net, &unspec), -EINVAL);
    CHECK_EQ(sock_secure_mem_open(&carol, &net, &alice_ep), -EADDRINUSE);
    CHECK_EQ(sock_secure_mem_open(&alice, &net, &carol_ep), -EALREADY); /* already a member */
    teardown();
}

static void send_delivers_exact_bytes_and_source(void)
{
    uint8_t buf[64];
    sock_secure_ep_t from;

    setup();
    CHECK_EQ(sock_secure_transport_send(&alice.base, "hello", 5, &bob_ep), 5);
    CHECK_EQ(bob.queued, 1);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), &from), 5);
    CHECK_MEM(buf, "hello", 5);
    CHECK(sock_secure_ep_equal(&from, &alice_ep));
    CHECK_EQ(bob.queued, 0);
    CHECK_EQ(net.sent, 1);
    CHECK_EQ(net.dropped, 0);
    teardown();
}

static void recv_when_empty_is_eagain(void)
{
    uint8_t buf[8];

    setup();
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL), -EAGAIN);
    CHECK_EQ(sock_secure_transport_send(&alice.base, "x", 1, &bob_ep), 1);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL), 1); /* remote may be NULL */
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL), -EAGAIN);
    teardown();
}

static void datagrams_arrive_in_order_across_ring_wrap(void)
{
    uint8_t out[300], in[300];
    int failures = tu_failures;

    setup();
    /* Sizes chosen so that records straddle the end of the ring many times. */
    for (uint32_t i = 0; i < 2000 && tu_failures == failures; i++) {
        size_t len = 1 + (i * 37u) % sizeof(out);
        int sent_now = 1 + (int)(i % 5);
        for (int k = 0; k < sent_now; k++) {
            memset(out, (int)((i + (uint32_t)k) & 0xffu), len);
            CHECK_EQ(sock_secure_transport_send(&alice.base, out, len, &bob_ep), (int)len);
        }
        for (int k = 0; k < sent_now; k++) {
            memset(out, (int)((i + (uint32_t)k) & 0xffu), len);
            CHECK_EQ(sock_secure_transport_recv(&bob.base, in, sizeof(in), NULL), (int)len);
            CHECK_MEM(in, out, len);
        }
    }
    CHECK_EQ(bob.queued, 0);
    CHECK_EQ(bob.used, 0);
    CHECK_EQ(net.dropped, 0);
    teardown();
}

static void interleaved_senders_keep_order(void)
{
    uint8_t buf[8];
    sock_secure_ep_t from;

    setup();
    CHECK_EQ(sock_secure_mem_open(&carol, &net, &carol_ep), 0);
    CHECK_EQ(sock_secure_transport_send(&alice.base, "1", 1, &bob_ep), 1);
    CHECK_EQ(sock_secure_transport_send(&carol.base, "2", 1, &bob_ep), 1);
    CHECK_EQ(sock_secure_transport_send(&alice.base, "3", 1, &bob_ep), 1);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), &from), 1);
    CHECK(buf[0] == '1' && sock_secure_ep_equal(&from, &alice_ep));
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), &from), 1);
    CHECK(buf[0] == '2' && sock_secure_ep_equal(&from, &carol_ep));
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), &from), 1);
    CHECK(buf[0] == '3' && sock_secure_ep_equal(&from, &alice_ep));
    sock_secure_transport_close(&carol.base);
    teardown();
}

static void empty_datagram_is_delivered(void)
{
    uint8_t buf[4];
    sock_secure_ep_t from;

    setup();
    CHECK_EQ(sock_secure_transport_send(&alice.base, NULL, 0, &bob_ep), 0);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), &from), 0);
    CHECK(sock_secure_ep_equal(&from, &alice_ep));
    teardown();
}

static void inject_forges_the_source(void)
{
    uint8_t buf[16];
    sock_secure_ep_t from;
    sock_secure_ep_t forged = tu_ep("[fe80::66%3]:4444");

    setup();
    CHECK_EQ(sock_secure_mem_inject(&bob, &forged, "forged", 6), 6);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), &from), 6);
    CHECK_MEM(buf, "forged", 6);
    CHECK(sock_secure_ep_equal(&from, &forged));
    CHECK_EQ(net.sent, 0); /* bypasses the net */
    teardown();
}

static void inject_rejects_bad_arguments(void)
{
    static uint8_t big[CONFIG_SOCK_MEM_QUEUE_SIZE];

    setup();
    CHECK_EQ(sock_secure_mem_inject(NULL, &alice_ep, "x", 1), -EINVAL);
    CHECK_EQ(sock_secure_mem_inject(&bob, NULL, "x", 1), -EINVAL);
    CHECK_EQ(sock_secure_mem_inject(&bob, &alice_ep, NULL, 1), -EINVAL);
    CHECK_EQ(sock_secure_mem_inject(&bob, &alice_ep, big, sizeof(big)), -EMSGSIZE); /* never fits */
    CHECK_EQ(bob.queued, 0);
    teardown();
}

static void inject_larger_than_send_limit_reaches_receiver(void)
{
    static uint8_t big[MEM_MAX_DATAGRAM + 500], in[MEM_MAX_DATAGRAM + 500];

    setup();
    memset(big, 0x5a, sizeof(big));
    CHECK_EQ(sock_secure_mem_inject(&bob, &alice_ep, big, sizeof(big)), (int)sizeof(big));
    CHECK_EQ(sock_secure_transport_recv(&bob.base, in, sizeof(in), NULL), (int)sizeof(big));
    CHECK_MEM(in, big, sizeof(big));
    teardown();
}

static void inject_into_full_queue_is_enobufs(void)
{
    uint8_t chunk[1000] = {0};
    int rc;
    uint32_t n = 0;

    setup();
    while ((rc = sock_secure_mem_inject(&bob, &alice_ep, chunk, sizeof(chunk))) == (int)sizeof(chunk)) {
        n++;
    }
    CHECK_EQ(rc, -ENOBUFS);
    CHECK(n > 0);
    CHECK_EQ(bob.queued, n);
    CHECK(bob.used <= CONFIG_SOCK_MEM_QUEUE_SIZE);
    teardown();
}

static void send_to_nobody_is_dropped(void)
{
    setup();
    CHECK_EQ(sock_secure_transport_send(&alice.base, "lost", 4, &carol_ep), 4); /* UDP-like: sender not told */
    CHECK_EQ(net.sent, 1);
    CHECK_EQ(net.dropped, 1);
    CHECK_EQ(alice.queued + bob.queued, 0);
    teardown();
}

static void full_queue_drops_and_counts_overflow(void)
{
    static uint8_t chunk[MEM_MAX_DATAGRAM];
    static uint8_t in[MEM_MAX_DATAGRAM];
    uint32_t fit = 0;

    setup();
    memset(chunk, 0x11, sizeof(chunk));
    while (bob.overflows == 0 && fit < 1000) {
        chunk[0] = (uint8_t)fit;
        CHECK_EQ(sock_secure_transport_send(&alice.base, chunk, sizeof(chunk), &bob_ep), (int)sizeof(chunk));
        fit = (bob.overflows == 0) ? fit + 1 : fit;
    }
    CHECK_EQ(bob.overflows, 1);
    CHECK_EQ(bob.queued, fit);
    CHECK_EQ(net.sent, fit + 1);
    CHECK_EQ(net.dropped, 1);
    /* The queue was used up: what is queued fits, one more would not (even with a small header). */
    CHECK(fit * sizeof(chunk) <= CONFIG_SOCK_MEM_QUEUE_SIZE);
    CHECK((fit + 1) * (sizeof(chunk) + 64) > CONFIG_SOCK_MEM_QUEUE_SIZE);
    /* What was queued is intact, in order; the overflowing datagram is simply gone. */
    for (uint32_t i = 0; i < fit; i++) {
        CHECK_EQ(sock_secure_transport_recv(&bob.base, in, sizeof(in), NULL), (int)sizeof(in));
        CHECK_EQ(in[0], (uint8_t)i);
    }
    CHECK_EQ(sock_secure_transport_recv(&bob.base, in, sizeof(in), NULL), -EAGAIN);
    /* Once drained, the queue accepts again. */
    CHECK_EQ(sock_secure_transport_send(&alice.base, "ok", 2, &bob_ep), 2);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, in, sizeof(in), NULL), 2);
    teardown();
}

static void send_larger_than_limit_is_emsgsize(void)
{
    static uint8_t big[MEM_MAX_DATAGRAM + 1], in[MEM_MAX_DATAGRAM + 1];

    setup();
    memset(big, 0x77, sizeof(big));
    CHECK_EQ(sock_secure_transport_send(&alice.base, big, sizeof(big), &bob_ep), -EMSGSIZE);
    CHECK_EQ(net.sent, 0);
    CHECK_EQ(bob.queued, 0);
    CHECK_EQ(sock_secure_transport_send(&alice.base, big, MEM_MAX_DATAGRAM, &bob_ep), MEM_MAX_DATAGRAM);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, in, sizeof(in), NULL), MEM_MAX_DATAGRAM);
    CHECK_MEM(in, big, MEM_MAX_DATAGRAM);
    teardown();
}

static void oversize_datagram_is_discarded_and_next_arrives(void)
{
    uint8_t buf[4];
    sock_secure_ep_t from;

    setup();
    CHECK_EQ(sock_secure_transport_send(&alice.base, "too long", 8, &bob_ep), 8);
    CHECK_EQ(sock_secure_transport_send(&alice.base, "fit", 3, &bob_ep), 3);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), &from), -EMSGSIZE);
    CHECK_EQ(bob.queued, 1);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), &from), 3);
    CHECK_MEM(buf, "fit", 3);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, 0, NULL), -EAGAIN);
    CHECK_EQ(sock_secure_transport_send(&alice.base, "a", 1, &bob_ep), 1);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, NULL, 0, NULL), -EMSGSIZE); /* zero-length buffer */
    teardown();
}

static void send_and_recv_reject_bad_arguments(void)
{
    setup();
    CHECK_EQ(sock_secure_transport_send(&alice.base, "x", 1, NULL), -EINVAL);
    CHECK_EQ(sock_secure_transport_send(&alice.base, NULL, 1, &bob_ep), -EINVAL);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, NULL, 4, NULL), -EINVAL);
    CHECK_EQ(net.sent, 0);
    teardown();
}

/* ---- filter hook ---- */

typedef struct {
    int calls;
    int verdict;
    size_t truncate_to; /* 0: leave the length */
    size_t lengthen_by;
    bool corrupt;
    sock_secure_ep_t from, to;
} filter_state_t;

static int test_filter(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to, uint8_t *data,
                       size_t *len)
{
    filter_state_t *st = arg;

    st->calls++;
    st->from = *from;
    st->to = *to;
    if (st->corrupt && *len > 0) {
        data[0] ^= 0xff;
    }
    if (st->truncate_to != 0 && *len > st->truncate_to) {
        *len = st->truncate_to;
    }
    *len += st->lengthen_by;
    return st->verdict;
}

static void filter_sees_every_datagram_and_endpoints(void)
{
    filter_state_t st = {0};
    uint8_t buf[8];

    setup();
    net.filter = test_filter;
    net.filter_arg = &st;
    CHECK_EQ(sock_secure_transport_send(&alice.base, "abc", 3, &bob_ep), 3);
    CHECK_EQ(st.calls, 1);
    CHECK(sock_secure_ep_equal(&st.from, &alice_ep));
    CHECK(sock_secure_ep_equal(&st.to, &bob_ep));
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL), 3);
    CHECK_MEM(buf, "abc", 3);
    CHECK_EQ(sock_secure_mem_inject(&bob, &carol_ep, "i", 1), 1); /* inject bypasses the filter */
    CHECK_EQ(st.calls, 1);
    teardown();
}

static void filter_drop_counts_dropped(void)
{
    filter_state_t st = {0};
    uint8_t buf[8];

    setup();
    st.verdict = SOCK_SECURE_MEM_DROP;
    net.filter = test_filter;
    net.filter_arg = &st;
    CHECK_EQ(sock_secure_transport_send(&alice.base, "abc", 3, &bob_ep), 3);
    CHECK_EQ(net.sent, 1);
    CHECK_EQ(net.dropped, 1);
    CHECK_EQ(bob.overflows, 0);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL), -EAGAIN);
    teardown();
}

static void filter_corrupts_in_flight_not_senders_buffer(void)
{
    filter_state_t st = {0};
    uint8_t msg[3] = {1, 2, 3};
    uint8_t buf[8];

    setup();
    st.corrupt = true;
    net.filter = test_filter;
    net.filter_arg = &st;
    CHECK_EQ(sock_secure_transport_send(&alice.base, msg, sizeof(msg), &bob_ep), 3);
    CHECK_EQ(msg[0], 1); /* the hook works on a copy */
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL), 3);
    CHECK_EQ(buf[0], 0xfe);
    CHECK_EQ(buf[1], 2);
    teardown();
}

static void filter_truncates(void)
{
    filter_state_t st = {0};
    uint8_t buf[16];

    setup();
    st.truncate_to = 4;
    net.filter = test_filter;
    net.filter_arg = &st;
    CHECK_EQ(sock_secure_transport_send(&alice.base, "truncated", 9, &bob_ep), 9); /* sender sees its length */
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL), 4);
    CHECK_MEM(buf, "trun", 4);
    teardown();
}

static void filter_cannot_lengthen(void)
{
    filter_state_t st = {0};
    uint8_t buf[16];

    setup();
    st.lengthen_by = 5;
    net.filter = test_filter;
    net.filter_arg = &st;
    CHECK_EQ(sock_secure_transport_send(&alice.base, "abc", 3, &bob_ep), 3);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL), 3);
    teardown();
}

/* ---- close ---- */

static void close_twice_is_safe_and_frees_the_address(void)
{
    uint8_t buf[4];
    sock_secure_ep_t ep;

    setup();
    CHECK_EQ(sock_secure_transport_send(&alice.base, "q", 1, &bob_ep), 1);
    sock_secure_transport_close(&bob.base);
    sock_secure_transport_close(&bob.base);
    CHECK(net.members == &alice && alice.next == NULL);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL), -EBADF);
    CHECK_EQ(sock_secure_transport_send(&bob.base, "x", 1, &alice_ep), -EBADF);
    CHECK_EQ(sock_secure_transport_wait(&bob.base, 0), -EBADF);
    CHECK_EQ(sock_secure_transport_local(&bob.base, &ep), -EBADF);
    CHECK_EQ(sock_secure_mem_inject(&bob, &alice_ep, "x", 1), -EBADF);
    CHECK_EQ(sock_secure_transport_send(&alice.base, "x", 1, &bob_ep), 1); /* no receiver any more */
    CHECK_EQ(net.dropped, 1);
    CHECK_EQ(sock_secure_mem_open(&carol, &net, &bob_ep), 0); /* the address is free again */
    CHECK_EQ(sock_secure_transport_recv(&carol.base, buf, sizeof(buf), NULL), -EAGAIN);
    sock_secure_transport_close(&carol.base);
    sock_secure_transport_close(&alice.base);
    CHECK(net.members == NULL);
}

static void reopen_after_close_starts_empty(void)
{
    uint8_t buf[4];

    setup();
    CHECK_EQ(sock_secure_transport_send(&alice.base, "old", 3, &bob_ep), 3);
    sock_secure_transport_close(&bob.base);
    CHECK_EQ(sock_secure_mem_open(&bob, &net, &bob_ep), 0);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL), -EAGAIN);
    teardown();
}

/* ---- wait and the idle hook ---- */

typedef struct {
    int calls;
    sock_secure_mem_t *waiting;
    uint32_t timeout;
    bool deliver;
} idle_state_t;

static void test_idle(void *arg, sock_secure_mem_t *waiting, uint32_t timeout_ms)
{
    idle_state_t *st = arg;

    st->calls++;
    st->waiting = waiting;
    st->timeout = timeout_ms;
    if (st->deliver) {
        CHECK_EQ(sock_secure_transport_send(&alice.base, "late", 4, &bob_ep), 4);
    }
}

static void wait_without_idle_hook_returns_at_once(void)
{
    setup();
    CHECK_EQ(sock_secure_transport_wait(&bob.base, UINT32_MAX), 0); /* cannot sleep: returns, caller loops */
    CHECK_EQ(sock_secure_transport_send(&alice.base, "x", 1, &bob_ep), 1);
    CHECK_EQ(sock_secure_transport_wait(&bob.base, 0), 1);
    teardown();
}

static void wait_calls_idle_hook_when_empty(void)
{
    idle_state_t st = {0};
    uint8_t buf[8];

    setup();
    net.idle = test_idle;
    net.idle_arg = &st;
    CHECK_EQ(sock_secure_transport_wait(&bob.base, 250), 0);
    CHECK_EQ(st.calls, 1);
    CHECK(st.waiting == &bob);
    CHECK_EQ(st.timeout, 250);
    st.deliver = true;
    CHECK_EQ(sock_secure_transport_wait(&bob.base, 500), 1);
    CHECK_EQ(st.calls, 2);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL), 4);
    CHECK_MEM(buf, "late", 4);
    teardown();
}

static void wait_with_data_queued_skips_idle_hook(void)
{
    idle_state_t st = {0};

    setup();
    net.idle = test_idle;
    net.idle_arg = &st;
    CHECK_EQ(sock_secure_transport_send(&alice.base, "x", 1, &bob_ep), 1);
    CHECK_EQ(sock_secure_transport_wait(&bob.base, 100), 1);
    CHECK_EQ(st.calls, 0);
    teardown();
}

int main(void)
{
    RUN(open_sets_flags_and_local_address);
    RUN(open_rejects_bad_arguments);
    RUN(send_delivers_exact_bytes_and_source);
    RUN(recv_when_empty_is_eagain);
    RUN(datagrams_arrive_in_order_across_ring_wrap);
    RUN(interleaved_senders_keep_order);
    RUN(empty_datagram_is_delivered);
    RUN(inject_forges_the_source);
    RUN(inject_rejects_bad_arguments);
    RUN(inject_larger_than_send_limit_reaches_receiver);
    RUN(inject_into_full_queue_is_enobufs);
    RUN(send_to_nobody_is_dropped);
    RUN(full_queue_drops_and_counts_overflow);
    RUN(send_larger_than_limit_is_emsgsize);
    RUN(oversize_datagram_is_discarded_and_next_arrives);
    RUN(send_and_recv_reject_bad_arguments);
    RUN(filter_sees_every_datagram_and_endpoints);
    RUN(filter_drop_counts_dropped);
    RUN(filter_corrupts_in_flight_not_senders_buffer);
    RUN(filter_truncates);
    RUN(filter_cannot_lengthen);
    RUN(close_twice_is_safe_and_frees_the_address);
    RUN(reopen_after_close_starts_empty);
    RUN(wait_without_idle_hook_returns_at_once);
    RUN(wait_calls_idle_hook_when_empty);
    RUN(wait_with_data_queued_skips_idle_hook);
    return tu_exit();
}
