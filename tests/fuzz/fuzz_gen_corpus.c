/* Writes the seed corpora of the fuzz harnesses from a real handshake and exchange over the
 * in-memory net (every datagram recorded by the net's filter hook), one set per backend.
 *
 *   fuzz_gen_corpus DIR        writes DIR/<harness>/<backend>-<name> files
 *   fuzz_gen_corpus --backends prints the registered backends, one a line
 *
 * The recorded datagrams carry this run's random values and keys, so a harness (with its own
 * random secrets) cannot complete a handshake with them; they give the fuzzer the real structure
 * to mutate. Re-run it when the wire format changes; the output is small (a few KB). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "secure_sock/mem.h"
#include "secure_sock/sock_secure.h"

#define MAX_REC 32

typedef struct {
    bool c2s;
    size_t len;
    uint8_t data[CONFIG_SOCK_SECURE_MAX_DATAGRAM];
} rec_t;

static rec_t recs[MAX_REC];
static size_t nrec;
static sock_secure_ep_t cli_ep, srv_ep;
static uint64_t now_ms = 1000;

static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
static const sock_secure_psk_t psk = { (const uint8_t *)"fuzz", 4, key, sizeof(key) };

static uint64_t gen_clock(void *arg)
{
    (void)arg;
    return now_ms;
}

static int record(void *arg, const sock_secure_ep_t *from, const sock_secure_ep_t *to, uint8_t *data,
                  size_t *len)
{
    (void)arg;
    (void)to;
    if (nrec < MAX_REC) {
        recs[nrec].c2s = sock_secure_ep_equal(from, &cli_ep);
        recs[nrec].len = *len;
        memcpy(recs[nrec].data, data, *len);
        nrec++;
    }
    return SOCK_SECURE_MEM_DELIVER;
}

static int open_node(sock_secure_memnet_t *net, sock_secure_mem_t *m, sock_secure_t *s,
                     sock_secure_session_t *slots, const sock_secure_ep_t *ep, sock_secure_role_t role,
                     const char *backend)
{
    if (sock_secure_mem_open(m, net, ep) < 0) {
        return -1;
    }
    sock_secure_config_t cfg;
    sock_secure_config_init(&cfg);
    cfg.role = role;
    cfg.backend = backend;
    cfg.transport = &m->base;
    cfg.sessions = slots;
    cfg.session_count = 1;
    cfg.psk = &psk;
    cfg.psk_count = 1;
    cfg.clock = gen_clock;
    return sock_secure_create(s, &cfg);
}

static void pump(sock_secure_t *a, sock_secure_t *b)
{
    for (int i = 0; i < 20; i++) {
        sock_secure_process(a);
        sock_secure_process(b);
        uint8_t buf[64];
        sock_secure_session_t *from = NULL;
        while (sock_secure_recv_any(a, &from, buf, sizeof(buf), 0) >= 0 ||
               sock_secure_recv_any(b, &from, buf, sizeof(buf), 0) >= 0) {
            from = NULL;
        }
    }
}

/* Run a handshake, two records each way and a close_notify from each side, recording all. */
static int capture(const char *backend)
{
    sock_secure_memnet_t net;
    sock_secure_mem_t cm, sm;
    sock_secure_t c, s;
    sock_secure_session_t cslot, sslot, *cs = NULL, *ss = NULL;
    nrec = 0;
    sock_secure_memnet_init(&net);
    net.filter = record;
    if (open_node(&net, &sm, &s, &sslot, &srv_ep, SOCK_SECURE_SERVER, backend) < 0 ||
        open_node(&net, &cm, &c, &cslot, &cli_ep, SOCK_SECURE_CLIENT, backend) < 0 ||
        sock_secure_connect(&c, &srv_ep, &cs, 0) != -EINPROGRESS) {
        return -1;
    }
    pump(&s, &c);
    if (sock_secure_accept(&s, &ss, 0) != 0) {
        return -1;
    }
    sock_secure_session_send(cs, "hello from the client", 21);
    sock_secure_session_send(ss, "hello from the server", 21);
    pump(&s, &c);
    static uint8_t big[1000];
    memset(big, 0x42, sizeof(big));
    sock_secure_session_send(ss, big, sizeof(big));
    sock_secure_session_send(cs, big, sizeof(big));
    pump(&s, &c);
    sock_secure_session_close(ss); /* close_notify to the client */
    pump(&s, &c);
    sock_secure_close(&c);
    sock_secure_close(&s);
    sock_secure_transport_close(&cm.base);
    sock_secure_transport_close(&sm.base);
    return 0;
}

static int write_file(const char *dir, const char *harness, const char *backend,
                      const char *name, const uint8_t *d, size_t n)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, harness);
    (void)mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/%s/%s-%s", dir, harness, backend, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(d, 1, n, f) != n) {
        fprintf(stderr, "cannot write %s\n", path);
        if (f) {
            fclose(f);
        }
        return -1;
    }
    fclose(f);
    return 0;
}

/* One datagram in the harness format: selector, length, bytes. */
static size_t frame(uint8_t *out, uint8_t sel, const rec_t *r)
{
    out[0] = sel;
    out[1] = (uint8_t)(r->len >> 8);
    out[2] = (uint8_t)r->len;
    memcpy(out + 3, r->data, r->len);
    return 3 + r->len;
}

/* Name a datagram by its first record: hello, hvr, server_flight, key_exchange, finished, app,
 * alert. */
static const char *kind(const rec_t *r)
{
    const uint8_t *d = r->data;
    if (r->len < 13) {
        return "short";
    }
    if (d[0] == 22 && d[3] == 0 && d[4] == 0 && r->len > 13) {
        switch (d[13]) {
        case 1: return "client_hello";
        case 3: return "hello_verify_request";
        case 2: return "server_hello_flight";
        case 16: return "client_key_exchange_flight";
        default: return "handshake";
        }
    }
    switch (d[0]) {
    case 20: return "change_cipher_spec_flight";
    case 21: return "alert";
    case 23: return "application_data";
    default: return "other";
    }
}

static int emit(const char *dir, const char *backend)
{
    static uint8_t buf[MAX_REC * (CONFIG_SOCK_SECURE_MAX_DATAGRAM + 4) + 1];
    size_t n;
    int rc = 0;
    for (size_t i = 0; i < nrec; i++) {
        const rec_t *r = &recs[i];
        const char *k = kind(r);
        char name[96];
        snprintf(name, sizeof(name), "%02zu-%s", i, k);
        if (r->c2s) {
            /* the server harness: from the established client (0), the half-open one (1) and a
             * stranger (2) */
            for (uint8_t sel = 0; sel < 3; sel++) {
                char n2[128];
                snprintf(n2, sizeof(n2), "%s-from%u", name, sel);
                n = frame(buf, sel, r);
                rc |= write_file(dir, "fuzz_server_input", backend, n2, buf, n);
            }
            if (strcmp(k, "client_hello") == 0) {
                rc |= write_file(dir, "fuzz_dtls_hello", backend, name, r->data, r->len);
            }
        } else {
            /* the client harness: the stage that waits for this datagram */
            buf[0] = strcmp(k, "hello_verify_request") == 0        ? 0
                     : strcmp(k, "server_hello_flight") == 0       ? 1
                     : strcmp(k, "change_cipher_spec_flight") == 0 ? 2
                                                                   : 3;
            n = 1 + frame(buf + 1, 0, r);
            rc |= write_file(dir, "fuzz_client_input", backend, name, buf, n);
        }
    }
    /* each side's whole stream in one input */
    n = 0;
    for (size_t i = 0; i < nrec; i++) {
        if (recs[i].c2s) {
            n += frame(buf + n, 0, &recs[i]);
        }
    }
    rc |= write_file(dir, "fuzz_server_input", backend, "all-client-datagrams", buf, n);
    buf[0] = 0; /* client harness mode 0: a fresh client, then everything the server sent */
    n = 1;
    for (size_t i = 0; i < nrec; i++) {
        if (!recs[i].c2s) {
            n += frame(buf + n, 0, &recs[i]);
        }
    }
    rc |= write_file(dir, "fuzz_client_input", backend, "all-server-datagrams", buf, n);
    return rc;
}

static int emit_static(const char *dir)
{
    static const char *const eps[] = {
        "192.0.2.1:5684", "[2001:db8::1]:5684", "[fe80::1%3]:5684", "localhost",
        "[::ffff:10.1.2.3]:1", "::1", "[1:2:3:4:5:6:7:8]:65535", "0.0.0.0:0",
        "[::1.2.3.4]:9", "[2001:db8:0:0:1:0:0:1]:443",
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof(eps) / sizeof(eps[0]); i++) {
        char name[16];
        snprintf(name, sizeof(name), "%02zu", i);
        rc |= write_file(dir, "fuzz_endpoint", "text", name, (const uint8_t *)eps[i],
                         strlen(eps[i]));
    }
    /* server harness: timers only (the clock jumps 15.5 s twice, then 31 s) */
    static const uint8_t timers[] = { 0xFC, 0, 0, 0xFC, 0, 0, 0xFC, 0, 0, 0xFC, 0, 0 };
    rc |= write_file(dir, "fuzz_server_input", "any", "timers", timers, sizeof(timers));
    return rc;
}

int main(int argc, char **argv)
{
    if (sock_secure_init() < 0 || sock_secure_backend_name(0) == NULL) {
        fprintf(stderr, "no backend built\n");
        return 1;
    }
    if (argc == 2 && strcmp(argv[1], "--backends") == 0) {
        for (size_t i = 0; sock_secure_backend_name(i) != NULL; i++) {
            printf("%s\n", sock_secure_backend_name(i));
        }
        return 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR | --backends\n", argv[0]);
        return 2;
    }
    (void)sock_secure_ep_parse(&srv_ep, "[fd00::1]:5684", 0);
    (void)sock_secure_ep_parse(&cli_ep, "[fd00::2]:40000", 0);
    (void)mkdir(argv[1], 0755);
    int rc = emit_static(argv[1]);
    for (size_t i = 0; sock_secure_backend_name(i) != NULL; i++) {
        const char *b = sock_secure_backend_name(i);
        if (capture(b) < 0) {
            fprintf(stderr, "%s: handshake failed\n", b);
            return 1;
        }
        rc |= emit(argv[1], b);
        printf("%s: %zu datagrams recorded\n", b, nrec);
    }
    return rc ? 1 : 0;
}
