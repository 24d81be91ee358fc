/* Fault injection on the in-memory net (sock_secure_mem_set_faults): each fault kind with exact
 * expectations at rate 0 and 1000, seeded rates within bounds and reproducible, hold slots, the net
 * clock, per-direction faults, and argument checks. */
#include <stdint.h>
#include <string.h>

#include "secure_sock/mem.h"
#include "testutil.h"

static sock_secure_memnet_t net;
static sock_secure_mem_t alice, bob, carol;
static sock_secure_ep_t alice_ep, bob_ep, carol_ep;
static sock_secure_mem_faults_t fa, fb;

static void setup(uint64_t seed)
{
    alice_ep = tu_ep("10.0.0.1:1000");
    bob_ep = tu_ep("[2001:db8::2]:2000");
    carol_ep = tu_ep("10.0.0.3:3000");
    CHECK_EQ(sock_secure_memnet_init(&net), 0);
    CHECK_EQ(sock_secure_mem_open(&alice, &net, &alice_ep), 0);
    CHECK_EQ(sock_secure_mem_open(&bob, &net, &bob_ep), 0);
    CHECK_EQ(sock_secure_mem_faults_init(&fa, seed), 0);
    CHECK_EQ(sock_secure_mem_faults_init(&fb, seed + 1), 0);
    CHECK_EQ(sock_secure_mem_set_faults(&alice, &fa), 0);
}

static void teardown(void)
{
    sock_secure_transport_close(&alice.base);
    sock_secure_transport_close(&bob.base);
}

/* Datagram i: 4-byte index then a pattern, length 8 + i % 200. */
static size_t make(uint32_t i, uint8_t *buf)
{
    size_t len = 8 + i % 200u;
    buf[0] = (uint8_t)(i >> 24);
    buf[1] = (uint8_t)(i >> 16);
    buf[2] = (uint8_t)(i >> 8);
    buf[3] = (uint8_t)i;
    for (size_t k = 4; k < len; k++) {
        buf[k] = (uint8_t)(i * 13u + k);
    }
    return len;
}

static uint32_t index_of(const uint8_t *buf)
{
    return (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
}

static int send_i(uint32_t i)
{
    uint8_t buf[256];
    size_t len = make(i, buf);
    return sock_secure_transport_send(&alice.base, buf, len, &bob_ep) == (int)len ? 0 : -1;
}

/* Receive one datagram at bob; its index, or -1 if none; checks that its bytes are intact. */
static long recv_intact(void)
{
    uint8_t buf[256], want[256];
    int n = sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL);
    if (n < 4) {
        return -1;
    }
    uint32_t i = index_of(buf);
    size_t len = make(i, want);
    CHECK_EQ(n, (int)len);
    CHECK_MEM(buf, want, len);
    return (long)i;
}

static int bits_differ(const uint8_t *a, const uint8_t *b, size_t n)
{
    int d = 0;
    for (size_t i = 0; i < n; i++) {
        for (uint8_t x = a[i] ^ b[i]; x; x &= (uint8_t)(x - 1)) {
            d++;
        }
    }
    return d;
}

static void no_fault_rates_change_nothing(void)
{
    setup(1);
    for (uint32_t i = 0; i < 100; i++) {
        CHECK_EQ(send_i(i), 0);
    }
    for (uint32_t i = 0; i < 100; i++) {
        CHECK_EQ(recv_intact(), (long)i);
    }
    CHECK_EQ(recv_intact(), -1);
    CHECK_EQ(fa.stats.seen, 100);
    CHECK_EQ(fa.stats.dropped + fa.stats.duplicated + fa.stats.reordered + fa.stats.delayed +
                 fa.stats.corrupted + fa.stats.truncated + fa.stats.released + fa.stats.hold_full,
             0);
    CHECK_EQ(net.sent, 100);
    CHECK_EQ(net.dropped, 0);
    teardown();
}

static void drop_always_drops_and_counts(void)
{
    setup(1);
    fa.cfg.drop = 1000;
    for (uint32_t i = 0; i < 50; i++) {
        CHECK_EQ(send_i(i), 0); /* the sender is not told */
    }
    CHECK_EQ(bob.queued, 0);
    CHECK_EQ(fa.stats.seen, 50);
    CHECK_EQ(fa.stats.dropped, 50);
    CHECK_EQ(net.sent, 50);
    CHECK_EQ(net.dropped, 50);
    teardown();
}

/* Send n datagrams with @p cfg and seed; record which indices arrived (bitmap). */
static uint32_t run_rate(uint64_t seed, const sock_secure_mem_fault_cfg_t *cfg, uint32_t n,
                         uint8_t *arrived)
{
    uint32_t got = 0;
    setup(seed);
    fa.cfg = *cfg;
    memset(arrived, 0, n);
    for (uint32_t i = 0; i < n; i++) {
        CHECK_EQ(send_i(i), 0);
        long k;
        while ((k = recv_intact()) >= 0) {
            if ((uint32_t)k < n) {
                arrived[k]++;
            }
            got++;
        }
    }
    teardown();
    return got;
}

static void drop_rate_is_seeded_reproducible_and_near_its_value(void)
{
    static uint8_t a[10000], b[10000], c[10000];
    sock_secure_mem_fault_cfg_t cfg = { 0 };
    cfg.drop = 100; /* 10 % */
    uint32_t got_a = run_rate(7, &cfg, 10000, a);
    uint32_t dropped = fa.stats.dropped;
    CHECK(dropped >= 900 && dropped <= 1100);
    CHECK_EQ(got_a, 10000 - dropped);
    CHECK_EQ(run_rate(7, &cfg, 10000, b), got_a);
    CHECK_MEM(a, b, sizeof(a)); /* the same seed drops the same datagrams */
    run_rate(8, &cfg, 10000, c);
    CHECK(memcmp(a, c, sizeof(a)) != 0); /* another seed, other datagrams */
}

static void duplicate_always_queues_two_identical_copies_in_a_row(void)
{
    setup(1);
    fa.cfg.duplicate = 1000;
    for (uint32_t i = 0; i < 20; i++) {
        CHECK_EQ(send_i(i), 0);
    }
    for (uint32_t i = 0; i < 20; i++) {
        CHECK_EQ(recv_intact(), (long)i);
        CHECK_EQ(recv_intact(), (long)i);
    }
    CHECK_EQ(recv_intact(), -1);
    CHECK_EQ(fa.stats.duplicated, 20);
    CHECK_EQ(net.sent, 20);
    teardown();
}

static void duplicate_rate_is_near_its_value(void)
{
    static uint8_t arrived[10000];
    sock_secure_mem_fault_cfg_t cfg = { 0 };
    cfg.duplicate = 200;
    uint32_t got = run_rate(3, &cfg, 10000, arrived);
    CHECK(fa.stats.duplicated >= 1800 && fa.stats.duplicated <= 2200);
    CHECK_EQ(got, 10000 + fa.stats.duplicated);
    uint32_t twice = 0;
    for (size_t i = 0; i < 10000; i++) {
        CHECK(arrived[i] == 1 || arrived[i] == 2);
        twice += arrived[i] == 2;
    }
    CHECK_EQ(twice, fa.stats.duplicated);
}

static void reordered_datagram_arrives_after_the_next_one(void)
{
    setup(1);
    fa.cfg.reorder = 1000;
    CHECK_EQ(send_i(0), 0);
    CHECK_EQ(bob.queued, 0);
    CHECK_EQ(fa.held, 1);
    fa.cfg.reorder = 0;
    CHECK_EQ(send_i(1), 0);
    CHECK_EQ(send_i(2), 0);
    CHECK_EQ(recv_intact(), 1);
    CHECK_EQ(recv_intact(), 0);
    CHECK_EQ(recv_intact(), 2);
    CHECK_EQ(fa.stats.reordered, 1);
    CHECK_EQ(fa.stats.released, 1);
    CHECK_EQ(fa.held, 0);
    /* reordering every datagram only shifts the stream by one: each waits for the next */
    fa.cfg.reorder = 1000;
    for (uint32_t i = 10; i < 15; i++) {
        CHECK_EQ(send_i(i), 0);
    }
    for (uint32_t i = 10; i < 14; i++) {
        CHECK_EQ(recv_intact(), (long)i);
    }
    CHECK_EQ(recv_intact(), -1);
    CHECK_EQ(fa.held, 1);
    CHECK_EQ(sock_secure_mem_faults_flush(&alice), 1);
    CHECK_EQ(recv_intact(), 14);
    teardown();
}

static void reorder_gap_waits_for_that_many_datagrams_even_dropped_ones(void)
{
    setup(1);
    fa.cfg.reorder = 1000;
    fa.cfg.reorder_gap = 3;
    CHECK_EQ(send_i(0), 0);
    fa.cfg.reorder = 0;
    CHECK_EQ(send_i(1), 0);
    fa.cfg.drop = 1000;
    CHECK_EQ(send_i(2), 0); /* dropped, but it passed */
    fa.cfg.drop = 0;
    CHECK_EQ(fa.held, 1);
    CHECK_EQ(send_i(3), 0);
    CHECK_EQ(fa.held, 0);
    CHECK_EQ(recv_intact(), 1);
    CHECK_EQ(recv_intact(), 3);
    CHECK_EQ(recv_intact(), 0);
    CHECK_EQ(recv_intact(), -1);
    teardown();
}

static void reordered_datagram_waits_for_traffic_not_time(void)
{
    setup(1);
    fa.cfg.reorder = 1000;
    CHECK_EQ(send_i(0), 0);
    CHECK_EQ(sock_secure_memnet_next_release(&net), UINT64_MAX);
    CHECK_EQ(sock_secure_memnet_tick(&net, 1000000), 0);
    CHECK_EQ(bob.queued, 0);
    CHECK_EQ(sock_secure_mem_faults_flush(&alice), 1);
    CHECK_EQ(recv_intact(), 0);
    teardown();
}

static void delayed_datagram_is_held_for_delay_ms_of_the_net_clock(void)
{
    setup(1);
    CHECK_EQ(sock_secure_memnet_tick(&net, 1000), 0);
    CHECK_EQ(net.now_ms, 1000);
    fa.cfg.delay = 1000;
    fa.cfg.delay_ms = 50;
    CHECK_EQ(send_i(0), 0);
    CHECK_EQ(sock_secure_memnet_tick(&net, 1020), 0);
    CHECK_EQ(send_i(1), 0); /* due at 1070 */
    fa.cfg.delay = 0;
    CHECK_EQ(send_i(2), 0); /* not delayed: overtakes both */
    CHECK_EQ(sock_secure_memnet_next_release(&net), 1050);
    CHECK_EQ(recv_intact(), 2);
    CHECK_EQ(sock_secure_memnet_tick(&net, 1049), 0);
    CHECK_EQ(bob.queued, 0);
    CHECK_EQ(sock_secure_memnet_tick(&net, 1050), 1);
    CHECK_EQ(recv_intact(), 0);
    CHECK_EQ(sock_secure_memnet_next_release(&net), 1070);
    CHECK_EQ(sock_secure_memnet_tick(&net, 10), 0); /* the clock never goes back */
    CHECK_EQ(net.now_ms, 1050);
    CHECK_EQ(sock_secure_memnet_tick(&net, 5000), 1);
    CHECK_EQ(recv_intact(), 1);
    CHECK_EQ(sock_secure_memnet_next_release(&net), UINT64_MAX);
    CHECK_EQ(fa.stats.delayed, 2);
    CHECK_EQ(fa.stats.released, 2);
    teardown();
}

static void datagrams_due_together_keep_their_order(void)
{
    setup(1);
    fa.cfg.delay = 1000;
    fa.cfg.delay_ms = 10;
    for (uint32_t i = 0; i < 4; i++) {
        CHECK_EQ(send_i(i), 0);
    }
    CHECK_EQ(sock_secure_memnet_tick(&net, 100), 4);
    for (uint32_t i = 0; i < 4; i++) {
        CHECK_EQ(recv_intact(), (long)i);
    }
    teardown();
}

static void full_hold_slots_send_at_once_and_count(void)
{
    setup(1);
    fa.cfg.delay = 1000;
    fa.cfg.delay_ms = 100;
    for (uint32_t i = 0; i < CONFIG_SOCK_MEM_FAULT_HOLD + 2; i++) {
        CHECK_EQ(send_i(i), 0);
    }
    CHECK_EQ(fa.held, CONFIG_SOCK_MEM_FAULT_HOLD);
    CHECK_EQ(fa.stats.delayed, CONFIG_SOCK_MEM_FAULT_HOLD);
    CHECK_EQ(fa.stats.hold_full, 2);
    CHECK_EQ(recv_intact(), CONFIG_SOCK_MEM_FAULT_HOLD);
    CHECK_EQ(recv_intact(), CONFIG_SOCK_MEM_FAULT_HOLD + 1);
    CHECK_EQ(sock_secure_memnet_tick(&net, 100), CONFIG_SOCK_MEM_FAULT_HOLD);
    for (uint32_t i = 0; i < CONFIG_SOCK_MEM_FAULT_HOLD; i++) {
        CHECK_EQ(recv_intact(), (long)i);
    }
    teardown();
}

static void corrupt_flips_exactly_corrupt_bits_distinct_bits(void)
{
    static const unsigned bits[] = { 0, 1, 3, 8, 20 };
    static const int want[] = { 1, 1, 3, 8, 8 }; /* 0 means 1; at most 8 */
    uint8_t sent[256], got[256];
    setup(5);
    fa.cfg.corrupt = 1000;
    for (size_t t = 0; t < sizeof(bits) / sizeof(bits[0]); t++) {
        fa.cfg.corrupt_bits = (uint16_t)bits[t];
        for (uint32_t i = 0; i < 50; i++) {
            size_t len = make(i, sent);
            uint8_t keep[256];
            memcpy(keep, sent, len);
            CHECK_EQ(sock_secure_transport_send(&alice.base, sent, len, &bob_ep), (int)len);
            CHECK_MEM(sent, keep, len); /* the sender's buffer is untouched */
            CHECK_EQ(sock_secure_transport_recv(&bob.base, got, sizeof(got), NULL), (int)len);
            CHECK_EQ(bits_differ(sent, got, len), want[t]);
        }
    }
    CHECK_EQ(fa.stats.corrupted, 250);
    /* one byte, eight distinct bits: every bit flips */
    fa.cfg.corrupt_bits = 8;
    CHECK_EQ(sock_secure_transport_send(&alice.base, "\x5a", 1, &bob_ep), 1);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, got, sizeof(got), NULL), 1);
    CHECK_EQ(got[0], 0xa5);
    /* nothing to flip in an empty datagram: delivered, not counted */
    CHECK_EQ(sock_secure_transport_send(&alice.base, NULL, 0, &bob_ep), 0);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, got, sizeof(got), NULL), 0);
    CHECK_EQ(fa.stats.corrupted, 251);
    teardown();
}

static void corrupt_rate_is_near_its_value(void)
{
    uint8_t sent[256], got[256];
    setup(11);
    fa.cfg.corrupt = 50; /* 5 % */
    uint32_t seen_bad = 0;
    for (uint32_t i = 0; i < 10000; i++) {
        size_t len = make(i, sent);
        CHECK_EQ(sock_secure_transport_send(&alice.base, sent, len, &bob_ep), (int)len);
        CHECK_EQ(sock_secure_transport_recv(&bob.base, got, sizeof(got), NULL), (int)len);
        seen_bad += memcmp(sent, got, len) != 0;
    }
    CHECK_EQ(seen_bad, fa.stats.corrupted);
    CHECK(seen_bad >= 400 && seen_bad <= 600);
    teardown();
}

static void truncate_shortens_and_keeps_the_prefix(void)
{
    uint8_t sent[256], got[256];
    setup(9);
    fa.cfg.truncate = 1000;
    size_t shortest = SIZE_MAX;
    for (uint32_t i = 0; i < 200; i++) {
        size_t len = make(i, sent);
        CHECK_EQ(sock_secure_transport_send(&alice.base, sent, len, &bob_ep), (int)len); /* sender sees its len */
        int n = sock_secure_transport_recv(&bob.base, got, sizeof(got), NULL);
        CHECK(n >= 0 && (size_t)n < len);
        if (n >= 0) {
            CHECK_MEM(got, sent, (size_t)n);
            shortest = (size_t)n < shortest ? (size_t)n : shortest;
        }
    }
    CHECK_EQ(fa.stats.truncated, 200);
    CHECK(shortest < 8); /* lengths are spread over 0..len-1 */
    CHECK_EQ(sock_secure_transport_send(&alice.base, NULL, 0, &bob_ep), 0);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, got, sizeof(got), NULL), 0);
    CHECK_EQ(fa.stats.truncated, 200);
    teardown();
}

static void faults_apply_per_sending_endpoint(void)
{
    uint8_t buf[8];
    setup(1);
    fa.cfg.drop = 1000;
    CHECK_EQ(sock_secure_transport_send(&alice.base, "a->b", 4, &bob_ep), 4);
    CHECK_EQ(sock_secure_transport_send(&bob.base, "b->a", 4, &alice_ep), 4);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL), -EAGAIN);
    CHECK_EQ(sock_secure_transport_recv(&alice.base, buf, sizeof(buf), NULL), 4);
    CHECK_MEM(buf, "b->a", 4);
    /* the other direction gets its own faults */
    CHECK_EQ(sock_secure_mem_set_faults(&bob, &fb), 0);
    fb.cfg.duplicate = 1000;
    CHECK_EQ(sock_secure_transport_send(&bob.base, "b->a", 4, &alice_ep), 4);
    CHECK_EQ(alice.queued, 2);
    CHECK_EQ(fa.stats.seen, 1);
    CHECK_EQ(fb.stats.seen, 1);
    teardown();
}

static void inject_and_the_filter_hook_sit_outside_the_faults(void)
{
    uint8_t buf[8];
    setup(1);
    fa.cfg.drop = 1000;
    CHECK_EQ(sock_secure_mem_inject(&bob, &alice_ep, "inj", 3), 3);
    CHECK_EQ(sock_secure_transport_recv(&bob.base, buf, sizeof(buf), NULL), 3);
    CHECK_EQ(fa.stats.seen, 0);
    teardown();
}

static int drop_all(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to, uint8_t *data,
                    size_t *len)
{
    (void)arg;
    (void)from;
    (void)to;
    (void)data;
    (void)len;
    return SOCK_SECURE_MEM_DROP;
}

static void filter_drops_never_reach_the_faults(void)
{
    setup(1);
    net.filter = drop_all;
    CHECK_EQ(send_i(0), 0);
    CHECK_EQ(fa.stats.seen, 0);
    CHECK_EQ(net.dropped, 1);
    teardown();
}

static void held_datagram_for_a_closed_receiver_is_lost(void)
{
    setup(1);
    fa.cfg.delay = 1000;
    fa.cfg.delay_ms = 10;
    CHECK_EQ(send_i(0), 0);
    sock_secure_transport_close(&bob.base);
    CHECK_EQ(sock_secure_memnet_tick(&net, 10), 1);
    CHECK_EQ(net.dropped, 1);
    CHECK_EQ(fa.stats.released, 1);
    sock_secure_transport_close(&alice.base);
}

static void closing_the_sender_discards_what_it_holds_and_detaches(void)
{
    setup(1);
    fa.cfg.delay = 1000;
    fa.cfg.delay_ms = 10;
    CHECK_EQ(send_i(0), 0);
    CHECK_EQ(fa.held, 1);
    sock_secure_transport_close(&alice.base);
    CHECK_EQ(fa.held, 0);
    CHECK_EQ(sock_secure_memnet_tick(&net, 100), 0);
    CHECK_EQ(bob.queued, 0);
    CHECK(alice.faults == NULL);
    /* reopened: no faults until set again */
    CHECK_EQ(sock_secure_mem_open(&alice, &net, &alice_ep), 0);
    CHECK_EQ(send_i(1), 0);
    CHECK_EQ(recv_intact(), 1);
    CHECK_EQ(fa.stats.seen, 1);
    teardown();
}

static void detaching_releases_what_is_held(void)
{
    setup(1);
    fa.cfg.delay = 1000;
    fa.cfg.delay_ms = 1000;
    CHECK_EQ(send_i(0), 0);
    CHECK_EQ(sock_secure_mem_set_faults(&alice, &fa), 0); /* the same struct again: nothing changes */
    CHECK_EQ(fa.held, 1);
    CHECK_EQ(sock_secure_mem_set_faults(&alice, NULL), 0);
    CHECK_EQ(fa.held, 0);
    CHECK_EQ(recv_intact(), 0);
    CHECK_EQ(send_i(1), 0); /* no faults any more */
    CHECK_EQ(recv_intact(), 1);
    CHECK_EQ(fa.stats.seen, 1);
    teardown();
}

static void fault_functions_reject_bad_arguments(void)
{
    setup(1);
    CHECK_EQ(sock_secure_mem_faults_init(NULL, 1), -EINVAL);
    CHECK_EQ(sock_secure_mem_set_faults(NULL, &fb), -EINVAL);
    CHECK_EQ(sock_secure_mem_set_faults(&bob, &fa), -EBUSY); /* alice uses it */
    CHECK(bob.faults == NULL);
    CHECK_EQ(sock_secure_memnet_tick(NULL, 1), -EINVAL);
    CHECK_EQ(sock_secure_memnet_next_release(NULL), UINT64_MAX);
    CHECK_EQ(sock_secure_mem_faults_flush(NULL), -EINVAL);
    CHECK_EQ(sock_secure_mem_faults_flush(&bob), 0); /* no faults: nothing held */
    CHECK_EQ(sock_secure_mem_open(&carol, &net, &carol_ep), 0);
    sock_secure_transport_close(&carol.base);
    CHECK_EQ(sock_secure_mem_set_faults(&carol, &fb), -EBADF);
    CHECK_EQ(sock_secure_mem_faults_flush(&carol), -EBADF);
    teardown();
}

int main(void)
{
    RUN(no_fault_rates_change_nothing);
    RUN(drop_always_drops_and_counts);
    RUN(drop_rate_is_seeded_reproducible_and_near_its_value);
    RUN(duplicate_always_queues_two_identical_copies_in_a_row);
    RUN(duplicate_rate_is_near_its_value);
    RUN(reordered_datagram_arrives_after_the_next_one);
    RUN(reorder_gap_waits_for_that_many_datagrams_even_dropped_ones);
    RUN(reordered_datagram_waits_for_traffic_not_time);
    RUN(delayed_datagram_is_held_for_delay_ms_of_the_net_clock);
    RUN(datagrams_due_together_keep_their_order);
    RUN(full_hold_slots_send_at_once_and_count);
    RUN(corrupt_flips_exactly_corrupt_bits_distinct_bits);
    RUN(corrupt_rate_is_near_its_value);
    RUN(truncate_shortens_and_keeps_the_prefix);
    RUN(faults_apply_per_sending_endpoint);
    RUN(inject_and_the_filter_hook_sit_outside_the_faults);
    RUN(filter_drops_never_reach_the_faults);
    RUN(held_datagram_for_a_closed_receiver_is_lost);
    RUN(closing_the_sender_discards_what_it_holds_and_detaches);
    RUN(detaching_releases_what_is_held);
    RUN(fault_functions_reject_bad_arguments);
    return tu_exit();
}
