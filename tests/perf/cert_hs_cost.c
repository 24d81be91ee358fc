/*
 * cert_hs_cost: what one DTLS handshake costs each side, PSK vs certificates (server-only and
 * mutual authentication), in one process over the in-memory net. Not a test (nothing is
 * asserted); docs/CREDENTIALS.md has its figures and how they were made.
 *
 *   cert_hs_cost PKI_DIR MODE [N]     MODE: psk | server-only | mutual | server-only-ip | rpk,
 *                                     N handshakes (default 10); the backend is
 *                                     $SS_TEST_BACKEND (default mbedtls)
 *
 * rpk: raw public keys (RFC 7250), the server's key alone, pinned by the client (server.pub).
 *
 * server-only names the server (server.test: mbedTLS's DNS check, SNI); server-only-ip names
 * none, so the client checks the server's address (::1) against the certificate's iPAddress
 * subjectAltNames (the driver's own check, src/tlsman/x509_ip.c).
 *
 * Every client step runs inside cert_client_step() and every server step inside
 * cert_server_step(), so that
 *   valgrind --tool=callgrind --toggle-collect=cert_client_step cert_hs_cost DIR mutual 10
 * counts only the client's instructions (and --toggle-collect=cert_server_step the server's);
 * socket creation (parsing the certificates, seeding the RNG) is outside both.
 * It also prints the heap (glibc mallinfo2) each side keeps per socket (after create) and per
 * established session (growth during the handshake steps; sessions are closed between handshakes,
 * outside the steps), and the largest growth seen after any one step of a handshake.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secure_sock/mem.h"
#include "secure_sock/posix/creds.h"
#include "secure_sock/sock_secure.h"

#define MAX_N 64
#define SLOTS 2

typedef struct {
    sock_secure_mem_t mem;
    sock_secure_t sock;
    sock_secure_session_t slots[SLOTS];
    sock_secure_creds_t creds;
    uint32_t tag;
} node_t;

static sock_secure_memnet_t net;
static node_t server, client;
static const char *dir;
static long long heap_client, heap_server, peak_client, peak_server;

static long long heap_now(void)
{
    struct mallinfo2 mi = mallinfo2();
    return (long long)(mi.uordblks + mi.hblkhd);
}

/* Steps, kept out of line so callgrind can toggle on them. */
__attribute__((noinline)) int cert_client_step(const sock_secure_ep_t *to, sock_secure_session_t **s);
__attribute__((noinline)) int cert_server_step(void);

__attribute__((noinline)) int cert_client_step(const sock_secure_ep_t *to, sock_secure_session_t **s)
{
    long long before = heap_now();
    int rc = to != NULL ? sock_secure_connect(&client.sock, to, s, 0)
                        : sock_secure_process(&client.sock);
    heap_client += heap_now() - before;
    peak_client = heap_client > peak_client ? heap_client : peak_client;
    return rc;
}

__attribute__((noinline)) int cert_server_step(void)
{
    long long before = heap_now();
    int rc = sock_secure_process(&server.sock);
    heap_server += heap_now() - before;
    peak_server = heap_server > peak_server ? heap_server : peak_server;
    return rc;
}

static int add(node_t *n, sock_secure_cred_type_t type, const char *file)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    int rc = sock_secure_creds_add_file(&n->creds, n->tag, type, path);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", path, sock_secure_strerror(rc));
        exit(1);
    }
    return rc;
}

static long long up(node_t *n, sock_secure_role_t role, const char *addr, const char *mode)
{
    static const uint8_t key[16] = "0123456789abcdef";
    bool server_side = role == SOCK_SECURE_SERVER;
    sock_secure_ep_t ep;
    sock_secure_ep_parse(&ep, addr, 0);
    sock_secure_mem_open(&n->mem, &net, &ep);
    n->tag = 1;
    sock_secure_creds_init(&n->creds);
    if (strcmp(mode, "psk") == 0) {
        sock_secure_creds_add_psk(&n->creds, 1, "bench", 5, key, sizeof(key));
    } else if (strcmp(mode, "rpk") == 0) {
        add(n, server_side ? SOCK_SECURE_CRED_PRIVATE_KEY : SOCK_SECURE_CRED_PEER_KEY,
            server_side ? "server.key" : "server.pub");
    } else {
        add(n, SOCK_SECURE_CRED_CA, "ca.crt");
        if (server_side || strcmp(mode, "mutual") == 0) {
            add(n, SOCK_SECURE_CRED_CERT_CHAIN, server_side ? "server.crt" : "client.crt");
            add(n, SOCK_SECURE_CRED_PRIVATE_KEY, server_side ? "server.key" : "client.key");
        }
    }
    sock_secure_config_t cfg;
    sock_secure_config_init(&cfg);
    cfg.role = role;
    cfg.backend = getenv("SS_TEST_BACKEND") != NULL ? getenv("SS_TEST_BACKEND") : "mbedtls";
    cfg.transport = &n->mem.base;
    cfg.sessions = n->slots;
    cfg.session_count = SLOTS;
    cfg.creds = &n->creds;
    cfg.cred_tags = &n->tag;
    cfg.cred_tag_count = 1;
    if (server_side && strcmp(mode, "server-only") == 0) {
        cfg.verify = SOCK_SECURE_VERIFY_NONE; /* a CA, but no client certificates asked for */
    }
    if (server_side && strcmp(mode, "server-only-ip") == 0) {
        cfg.verify = SOCK_SECURE_VERIFY_NONE;
    }
    if (!server_side && strcmp(mode, "psk") != 0 && strcmp(mode, "server-only-ip") != 0 &&
        strcmp(mode, "rpk") != 0) {
        cfg.server_name = "server.test"; /* server-only-ip: none, the address is checked */
    }
    long long before = heap_now();
    int rc = sock_secure_create(&n->sock, &cfg);
    if (rc < 0) {
        fprintf(stderr, "create: %s\n", sock_secure_strerror(rc));
        exit(1);
    }
    return heap_now() - before;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: cert_hs_cost PKI_DIR psk|server-only|mutual|server-only-ip|rpk "
                        "[N]\n");
        return 2;
    }
    dir = argv[1];
    const char *mode = argv[2];
    int n = argc > 3 ? atoi(argv[3]) : 10;
    if (n < 1 || n > MAX_N) {
        n = 10;
    }
    sock_secure_init();
    sock_secure_memnet_init(&net);
    /* server.crt carries IP:::1 (and DNS:server.test) */
    const char *srv_addr = strcmp(mode, "server-only-ip") == 0 ? "[::1]:5684" : "[fd00::1]:5684";
    long long srv_sock = up(&server, SOCK_SECURE_SERVER, srv_addr, mode);
    long long cli_sock = up(&client, SOCK_SECURE_CLIENT, "[fd00::2]:5684", mode);
    sock_secure_ep_t to;
    sock_secure_ep_parse(&to, srv_addr, 0);
    /* n handshakes one after the other; after each the session is closed outside the measured
     * steps, so the steps' heap growth is what one established session keeps */
    int ok = 0;
    long long kept_client = 0, kept_server = 0, top_client = 0, top_server = 0;
    for (int i = 0; i < n; i++) {
        sock_secure_session_t *s = NULL;
        heap_client = heap_server = peak_client = peak_server = 0;
        cert_client_step(&to, &s);
        for (int k = 0; k < 100; k++) {
            cert_server_step();
            cert_client_step(NULL, NULL);
            sock_secure_session_info_t info;
            if (sock_secure_session_info(s, &info) == 0 && info.state != SOCK_SECURE_ST_HANDSHAKE) {
                ok += info.state == SOCK_SECURE_ST_OPEN;
                if (i == 0) {
                    printf("suite %s\n", info.suite_name);
                }
                break;
            }
        }
        kept_client += heap_client;
        kept_server += heap_server;
        top_client = peak_client > top_client ? peak_client : top_client;
        top_server = peak_server > top_server ? peak_server : top_server;
        sock_secure_session_close(s);          /* close_notify, outside the measured steps */
        sock_secure_process(&server.sock);     /* the server takes it and frees its session */
    }
    printf("mode %s: %d/%d handshakes\n", mode, ok, n);
    printf("heap per socket (after create): server %lld B, client %lld B\n", srv_sock, cli_sock);
    printf("heap kept per established session: server %lld B, client %lld B\n",
           kept_server / n, kept_client / n);
    printf("heap peak during a handshake (after a step): server %lld B, client %lld B\n",
           top_server, top_client);
    sock_secure_close(&client.sock);
    sock_secure_close(&server.sock);
    sock_secure_transport_close(&client.mem.base);
    sock_secure_transport_close(&server.mem.base);
    sock_secure_creds_init(&server.creds);
    sock_secure_creds_init(&client.creds);
    return ok == n ? 0 : 1;
}
