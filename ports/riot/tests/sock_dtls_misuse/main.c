/**
 * @file main.c
 * @brief RIOT's sock_dtls API used as an application may get it wrong, on secure_sock's
 *        sock_dtls: each step prints "step NAME: RESULT" for ports/riot/test.sh to check.
 *
 * Shell: `misuse [ADDR%IF]:PORT` (a host `ssock server --echo` with the PSK below) runs the
 * client steps on a server sock of both roles (one slot, UDP port 20221); `misuse_wait` then
 * waits 8 s in recv while the host's client with a wrong key handshakes with that sock, and
 * prints what recv reported; `misuse_echo [ADDR%IF]:PORT` sends with a timeout (a new handshake)
 * and reads the echo; `misuse_close` closes the sock while another thread blocks in its recv,
 * then calls the API on the closed sock (RIOT's contract: recv returns -EINVAL).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/credman.h"
#include "net/sock/dtls.h"
#include "net/sock/udp.h"
#include "net/sock/util.h"
#include "shell.h"
#include "thread.h"
#include "ztimer.h"

#define TAG 7
static const char psk_id[] = "riot-demo";
static const char psk_key[] = "secure_sock_demo";
static const credman_credential_t cred = {
    .type = CREDMAN_TYPE_PSK, .tag = TAG,
    .params.psk = {
        .id = { .s = psk_id, .len = sizeof(psk_id) - 1 },
        .key = { .s = psk_key, .len = sizeof(psk_key) - 1 },
    },
};

static sock_udp_t udp;
static sock_dtls_t dtls;
static bool open_;

static int _open(void)
{
    if (open_) {
        return 0;
    }
    sock_udp_ep_t local = SOCK_IPV6_EP_ANY;
    local.port = 20221;
    if (sock_udp_create(&udp, &local, NULL, 0) < 0) {
        puts("step open: udp failed");
        return -1;
    }
    int rc = sock_dtls_create(&dtls, &udp, TAG, SOCK_DTLS_1_2, SOCK_DTLS_SERVER);
    printf("step create: %d\n", rc);
    open_ = rc == 0;
    return rc;
}

/* sock_dtls_recv() with a timeout in milliseconds */
static ssize_t _recv(sock_dtls_session_t *s, void *buf, size_t len, uint32_t ms)
{
    return sock_dtls_recv(&dtls, s, buf, len, ms * US_PER_MS);
}

static int misuse(int argc, char **argv)
{
    sock_dtls_session_t remote = { 0 }, got = { 0 };
    static uint8_t big[100]; /* tinyDTLS on RIOT: records of at most 200 bytes */
    uint8_t small[16];
    ssize_t rc;

    if (argc != 2 || sock_udp_str2ep(&remote.ep, argv[1]) < 0) {
        puts("usage: misuse [ADDR%IF]:PORT");
        return 1;
    }
    if (_open() < 0) {
        return 1;
    }
    memset(big, 'x', sizeof(big));
    /* a record before any handshake, no timeout: no session */
    printf("step send-before: %d\n", (int)sock_dtls_send(&dtls, &remote, big, 4, 0));
    /* the handshake, started twice */
    printf("step init: %d\n", sock_dtls_session_init(&dtls, &remote.ep, &remote));
    printf("step init-again: %d\n", sock_dtls_session_init(&dtls, &remote.ep, &remote));
    rc = _recv(&got, small, sizeof(small), 5000);
    printf("step handshake: %d\n", (int)rc);
    /* nothing to read, no timeout */
    printf("step recv-empty: %d\n", (int)sock_dtls_recv(&dtls, &got, small, sizeof(small), 0));
    /* a record larger than the buffer: -ENOBUFS (RIOT's contract), the session is dropped */
    printf("step send-big: %d\n", (int)sock_dtls_send(&dtls, &remote, big, sizeof(big), 0));
    rc = _recv(&got, small, sizeof(small), 3000);
    printf("step recv-small: %d\n", (int)rc);
    printf("step send-after-drop: %d\n", (int)sock_dtls_send(&dtls, &remote, big, 4, 0));
    /* destroyed twice, and a session never known */
    sock_dtls_session_destroy(&dtls, &remote);
    sock_dtls_session_destroy(&dtls, &remote);
    sock_dtls_session_t never = remote;
    never.ep.port = 1;
    sock_dtls_session_destroy(&dtls, &never);
    puts("step destroy-twice: ok");
    return 0;
}

static int misuse_wait(int argc, char **argv)
{
    sock_dtls_session_t got = { 0 };
    uint8_t buf[64];
    (void)argc;
    (void)argv;
    if (_open() < 0) {
        return 1;
    }
    /* a peer's handshake fails on this sock: nothing of the application's failed */
    ssize_t rc = _recv(&got, buf, sizeof(buf), 8000);
    printf("step wait: %d\n", (int)rc);
    return 0;
}

static int misuse_echo(int argc, char **argv)
{
    sock_dtls_session_t remote = { 0 }, got = { 0 };
    uint8_t buf[64];
    if (argc != 2 || sock_udp_str2ep(&remote.ep, argv[1]) < 0 || _open() < 0) {
        return 1;
    }
    /* a send with a timeout starts the handshake and waits for it */
    printf("step echo-send: %d\n", (int)sock_dtls_send(&dtls, &remote, "again", 5, 5 * US_PER_SEC));
    ssize_t rc;
    do {
        rc = _recv(&got, buf, sizeof(buf), 5000);
    } while (rc == -SOCK_DTLS_HANDSHAKE);
    printf("step echo: %d %.*s\n", (int)rc, rc > 0 ? (int)rc : 0, (char *)buf);
    sock_dtls_session_destroy(&dtls, &remote);
    return 0;
}

static char blocked_stack[THREAD_STACKSIZE_DEFAULT * 2];

static void *blocked(void *arg)
{
    sock_dtls_session_t s = { 0 };
    uint8_t buf[16];
    (void)arg;
    ssize_t rc = sock_dtls_recv(&dtls, &s, buf, sizeof(buf), 5 * US_PER_SEC);
    printf("step recv-blocked-closed: %d\n", (int)rc);
    return NULL;
}

static int misuse_close(int argc, char **argv)
{
    sock_dtls_session_t s = { 0 };
    uint8_t buf[16];
    (void)argc;
    (void)argv;
    if (_open() < 0) {
        return 1;
    }
    /* a thread of higher priority blocks in recv (5 s); the sock is closed under it */
    thread_create(blocked_stack, sizeof(blocked_stack), THREAD_PRIORITY_MAIN - 1, 0, blocked,
                  NULL, "blocked");
    ztimer_sleep(ZTIMER_MSEC, 200);
    sock_dtls_close(&dtls);
    open_ = false;
    ztimer_sleep(ZTIMER_MSEC, 500);
    puts("step close: done");
    s.ep = (sock_udp_ep_t)SOCK_IPV6_EP_ANY;
    s.ep.port = 5684;
    s.ep.addr.ipv6[0] = 0xfe;
    s.ep.addr.ipv6[1] = 0x80;
    s.ep.addr.ipv6[15] = 1;
    printf("step recv-closed: %d\n", (int)sock_dtls_recv(&dtls, &s, buf, sizeof(buf), 0));
    printf("step send-closed: %d\n", (int)sock_dtls_send(&dtls, &s, "x", 1, 0));
    printf("step init-closed: %d\n", sock_dtls_session_init(&dtls, &s.ep, &s));
    sock_dtls_session_destroy(&dtls, &s);
    sock_dtls_close(&dtls);
    puts("step destroy-closed: ok");
    sock_udp_close(&udp);
    return 0;
}

static const shell_command_t commands[] = {
    { "misuse_close", "close the sock under a blocked recv, then use it", misuse_close },
    { "misuse", "sock_dtls misuse steps against ADDR", misuse },
    { "misuse_wait", "recv 8 s on the server sock", misuse_wait },
    { "misuse_echo", "send with a timeout, echo", misuse_echo },
    { NULL, NULL, NULL }
};

int main(void)
{
    if (credman_add(&cred) != CREDMAN_OK) {
        puts("credman_add failed");
    }
    puts("sock_dtls misuse ready");
    char line[SHELL_DEFAULT_BUFSIZE];
    shell_run(commands, line, SHELL_DEFAULT_BUFSIZE);
    return 0;
}
