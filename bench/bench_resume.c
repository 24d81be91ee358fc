/*
 * bench_resume psk|ecdsa full|resumed N [PKI_DIR]
 *
 * Full vs resumed DTLS 1.2 handshakes on mbedTLS, client and server in one process over the
 * in-memory link (no network, no timer fires: the count is the handshake's work alone). psk:
 * TLS_PSK_WITH_AES_128_CCM_8; ecdsa: TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 with the test PKI
 * (tests/pki/make-pki.sh: server.crt, server.key, ca.crt in PKI_DIR, default build/pki), the
 * client verifying the server (name server.test). Both sockets have cfg.resumption.
 *
 * Setup (not counted): the two sockets, one full handshake whose session the client exports.
 * Then N times: one handshake, full (connect) or resumed (connect_resume with the exported
 * session), checked to have been what was asked (session_info().resumed), and both sessions
 * closed. Each side's work runs in its own noinline functions, so callgrind counts one side:
 *   valgrind --tool=callgrind --toggle-collect='bench_client_*' bench_resume ecdsa resumed 11
 *   valgrind --tool=callgrind --toggle-collect='bench_server_*' bench_resume ecdsa resumed 11
 * per handshake = (Ir(N=11) - Ir(N=1)) / 10 (bench/resume.sh).
 * Output: "resume kx=.. mode=.. n=.. ok=.." and the exit status 0 only if every one was as asked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <secure_sock/mem.h>
#include <secure_sock/posix/creds.h>
#include <secure_sock/sock_secure.h>

#include "bench_ours.h"

static sock_secure_memnet_t net;
static sock_secure_mem_t cmem, smem;
static sock_secure_t client, server;
static sock_secure_session_t cslots[2], sslots[2];
static sock_secure_creds_t ccreds, screds;
static const uint32_t tag_id = 1, tag_ca = 2;
static uint8_t blob[SOCK_SECURE_SESSION_EXPORT_MAX];
static size_t blob_len;
static sock_secure_ep_t server_ep;

__attribute__((noinline)) int bench_server_step(void);
__attribute__((noinline)) int bench_client_step(void);
__attribute__((noinline)) int bench_client_start(bool resume, sock_secure_session_t **s);
__attribute__((noinline)) void bench_client_close(sock_secure_session_t *s);

int bench_server_step(void)
{
    return sock_secure_process(&server);
}

int bench_client_step(void)
{
    return sock_secure_process(&client);
}

int bench_client_start(bool resume, sock_secure_session_t **s)
{
    return resume ? sock_secure_connect_resume(&client, &server_ep, NULL, blob, blob_len, s, 0)
                  : sock_secure_connect(&client, &server_ep, s, 0);
}

void bench_client_close(sock_secure_session_t *s)
{
    (void)sock_secure_session_close(s);
}

/* One handshake; returns 1 if it ended OPEN and resumed as asked. */
static int one(bool resume)
{
    sock_secure_session_t *s = NULL;
    if (bench_client_start(resume, &s) != -EINPROGRESS || s == NULL) {
        return 0;
    }
    sock_secure_session_info_t info = { 0 };
    for (int i = 0; i < 50; i++) {
        int a = bench_server_step();
        int b = bench_client_step();
        if (sock_secure_session_info(s, &info) == 0 && info.state != SOCK_SECURE_ST_HANDSHAKE &&
            a == 0 && b == 0) {
            break;
        }
    }
    int ok = info.state == SOCK_SECURE_ST_OPEN && info.resumed == resume;
    if (ok && blob_len == 0) {
        int n = sock_secure_session_export(s, blob, sizeof blob);
        blob_len = n > 0 ? (size_t)n : 0;
    }
    bench_client_close(s);
    (void)bench_server_step(); /* the server takes the close_notify */
    return ok;
}

static int setup(bool ecdsa, const char *pki)
{
    static const uint16_t ecdsa_suite[] = { SOCK_SECURE_ECDHE_ECDSA_AES_128_CCM_8 };
    sock_secure_ep_t cep;
    if (sock_secure_init() < 0 || sock_secure_memnet_init(&net) < 0 ||
        sock_secure_ep_parse(&server_ep, "[fd00::1]:5684", 0) < 0 ||
        sock_secure_ep_parse(&cep, "[fd00::2]:40000", 0) < 0 ||
        sock_secure_mem_open(&smem, &net, &server_ep) < 0 ||
        sock_secure_mem_open(&cmem, &net, &cep) < 0) {
        return -1;
    }
    sock_secure_config_t sc, cc;
    bench_config(&sc, SOCK_SECURE_SERVER, &smem.base, sslots, 2);
    bench_config(&cc, SOCK_SECURE_CLIENT, &cmem.base, cslots, 2);
    if (ecdsa) {
        char path[512];
        sock_secure_creds_init(&screds);
        sock_secure_creds_init(&ccreds);
        snprintf(path, sizeof path, "%s/server.crt", pki);
        int rc = sock_secure_creds_add_file(&screds, tag_id, SOCK_SECURE_CRED_CERT_CHAIN, path);
        snprintf(path, sizeof path, "%s/server.key", pki);
        rc = rc < 0 ? rc
                    : sock_secure_creds_add_file(&screds, tag_id, SOCK_SECURE_CRED_PRIVATE_KEY,
                                                 path);
        snprintf(path, sizeof path, "%s/ca.crt", pki);
        rc = rc < 0 ? rc : sock_secure_creds_add_file(&ccreds, tag_ca, SOCK_SECURE_CRED_CA, path);
        if (rc < 0) {
            fprintf(stderr, "bench_resume: the test PKI in %s: %s\n", pki,
                    sock_secure_strerror(rc));
            return -1;
        }
        sc.psk = cc.psk = NULL;
        sc.psk_count = cc.psk_count = 0;
        sc.creds = &screds;
        sc.cred_tags = &tag_id;
        sc.cred_tag_count = 1;
        cc.creds = &ccreds;
        cc.cred_tags = &tag_ca;
        cc.cred_tag_count = 1;
        cc.server_name = "server.test";
        sc.suites = cc.suites = ecdsa_suite;
    }
    sc.resumption = cc.resumption = true;
    if (sock_secure_create(&server, &sc) < 0 || sock_secure_create(&client, &cc) < 0) {
        return -1;
    }
    return one(false) && blob_len > 0 ? 0 : -1; /* the session to resume */
}

int main(int argc, char **argv)
{
    if (argc < 4 || (strcmp(argv[1], "psk") != 0 && strcmp(argv[1], "ecdsa") != 0) ||
        (strcmp(argv[2], "full") != 0 && strcmp(argv[2], "resumed") != 0)) {
        fprintf(stderr, "usage: bench_resume psk|ecdsa full|resumed N [PKI_DIR]\n");
        return 2;
    }
    bool ecdsa = strcmp(argv[1], "ecdsa") == 0;
    bool resume = strcmp(argv[2], "resumed") == 0;
    int n = atoi(argv[3]);
    if (setup(ecdsa, argc > 4 ? argv[4] : "build/pki") < 0) {
        fprintf(stderr, "bench_resume: set-up failed\n");
        return 1;
    }
    int ok = 0;
    for (int i = 0; i < n; i++) {
        ok += one(resume);
    }
    printf("resume kx=%s mode=%s n=%d ok=%d\n", argv[1], argv[2], n, ok);
    sock_secure_close(&client);
    sock_secure_close(&server);
    sock_secure_transport_close(&cmem.base);
    sock_secure_transport_close(&smem.base);
    return ok == n ? 0 : 1;
}
