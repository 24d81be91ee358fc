/**
 * @file demo.c
 * @brief `ssock demo`: a DTLS server and client in one process and one thread, over loopback UDP,
 *        driven by sock_secure_process() and non-blocking calls only. Echoes a few records,
 *        checks the bytes and prints a short report.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ssock.h"

/** Records the client sends and expects back. */
#define DEMO_ROUNDS 5

/** Give up on any one step (handshake, one echo, the close) after this long. */
#define DEMO_STEP_TIMEOUT_MS 10000u

/** Longest sleep between two pumps. */
#define DEMO_MAX_WAIT_MS 50u

/** The built-in PSK (a demo key, published here: never use it for anything real). */
static const uint8_t demo_identity[] = "ssock-demo";
static const uint8_t demo_key[16] = { 0x73, 0x73, 0x6f, 0x63, 0x6b, 0x2d, 0x64, 0x65,
                                      0x6d, 0x6f, 0x2d, 0x6b, 0x65, 0x79, 0x21, 0x21 };

typedef struct {
    sock_secure_udp_t srv_udp;
    sock_secure_udp_t cli_udp;
    sock_secure_t srv;
    sock_secure_t cli;
    sock_secure_session_t srv_slots[2];
    sock_secure_session_t cli_slot[1];
    sock_secure_session_t *cs;  /* the client's session */
    sock_secure_ep_t srv_ep;
    sock_secure_ep_t cli_ep;
    unsigned echoed;            /* records the server sent back */
    bool srv_saw_close;         /* the server got the client's close_notify */
    int srv_err;                /* a server-side session failure, 0 if none */
    sock_secure_session_info_t srv_fail; /* its info */
    const char *backend;        /* --backend NAME, NULL: the default one */
} demo_t;

static void demo_usage(FILE *out)
{
    fputs("usage: ssock demo [--backend NAME]\n"
          "\n"
          "Run a DTLS 1.2 server and client in this one process over loopback UDP with a\n"
          "built-in PSK: handshake, echo 5 records, check them, close, and print what\n"
          "happened (backend, cipher suite, handshake time, bytes and datagrams).\n"
          "No set-up, no network beyond loopback. Exit status 0 if everything worked.\n"
          "\n"
          "options:\n"
          "  --backend NAME  the (D)TLS stack for both sides, e.g. mbedtls or wolfssl\n"
          "                  (default: the first one 'ssock --version' lists)\n"
          "  -h, --help      this text\n",
          out);
}

/* Open the server on [::1] if this host has IPv6 loopback, else on 127.0.0.1; the client on the
 * same family. @return 0 or -1 (error printed). */
static int demo_open_transports(demo_t *d)
{
    static const char *const loopbacks[] = { "[::1]:0", "127.0.0.1:0" };
    int rc = -1;

    for (size_t i = 0; i < 2 && rc < 0; i++) {
        sock_secure_ep_t lo;

        sock_secure_ep_parse(&lo, loopbacks[i], 0);
        rc = sock_secure_udp_open(&d->srv_udp, &lo);
        if (rc < 0) {
            continue;
        }
        rc = sock_secure_udp_open(&d->cli_udp, &lo);
        if (rc < 0) {
            sock_secure_transport_close(&d->srv_udp.base);
        }
    }
    if (rc < 0) {
        ssock_error("demo: cannot open loopback UDP sockets: %s", strerror(-rc));
        return -1;
    }
    rc = sock_secure_transport_local(&d->srv_udp.base, &d->srv_ep);
    if (rc == 0) {
        rc = sock_secure_transport_local(&d->cli_udp.base, &d->cli_ep);
    }
    if (rc < 0) {
        ssock_error("demo: cannot read the local address: %s", sock_secure_strerror(rc));
        sock_secure_transport_close(&d->srv_udp.base);
        sock_secure_transport_close(&d->cli_udp.base);
        return -1;
    }
    return 0;
}

static void demo_srv_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                           int err, void *arg)
{
    demo_t *d = arg;

    (void)sock;
    if (ev == SOCK_SECURE_EV_CLOSED) {
        d->srv_saw_close = true;
    } else if (ev == SOCK_SECURE_EV_ERROR && d->srv_err == 0 && err != SOCK_SECURE_E_HELLO_VERIFY) {
        d->srv_err = err;
        if (sock_secure_session_info(s, &d->srv_fail) < 0) {
            memset(&d->srv_fail, 0, sizeof d->srv_fail);
        }
    }
}

/* Create both secure sockets. @return 0 or -1 (error printed). */
static int demo_create(demo_t *d, const sock_secure_psk_t *psk)
{
    sock_secure_config_t cfg;
    int rc;

    sock_secure_config_init(&cfg);
    cfg.role = SOCK_SECURE_SERVER;
    cfg.transport = &d->srv_udp.base;
    cfg.sessions = d->srv_slots;
    cfg.session_count = sizeof d->srv_slots / sizeof d->srv_slots[0];
    cfg.psk = psk;
    cfg.psk_count = 1;
    cfg.event_cb = demo_srv_event;
    cfg.event_arg = d;
    cfg.backend = d->backend;
    rc = sock_secure_create(&d->srv, &cfg);
    if (rc < 0) {
        ssock_error("demo: cannot create the server: %s", sock_secure_strerror(rc));
        return -1;
    }
    sock_secure_config_init(&cfg);
    cfg.role = SOCK_SECURE_CLIENT;
    cfg.transport = &d->cli_udp.base;
    cfg.sessions = d->cli_slot;
    cfg.session_count = 1;
    cfg.psk = psk;
    cfg.psk_count = 1;
    cfg.backend = d->backend;
    rc = sock_secure_create(&d->cli, &cfg);
    if (rc < 0) {
        ssock_error("demo: cannot create the client: %s", sock_secure_strerror(rc));
        sock_secure_close(&d->srv);
        return -1;
    }
    return 0;
}

/* The server's side: read every record and echo it; free sessions that ended. */
static int demo_serve(demo_t *d)
{
    uint8_t buf[SSOCK_RECORD_MAX];

    for (;;) {
        sock_secure_session_t *s = NULL;
        int n = sock_secure_recv_any(&d->srv, &s, buf, sizeof buf, 0);

        if (n == -EAGAIN) {
            return 0;
        }
        if (n >= 0 && s != NULL) {
            int rc = sock_secure_session_send(s, buf, (size_t)n);

            if (rc < 0) {
                ssock_error("demo: the server cannot echo: %s", sock_secure_strerror(rc));
                return -1;
            }
            d->echoed++;
        } else if (n == SOCK_SECURE_E_PEER_CLOSED && s != NULL) {
            d->srv_saw_close = true;
            sock_secure_session_close(s);
        } else if (s != NULL && sock_secure_error_is_fatal(n)) {
            if (d->srv_err == 0) {
                d->srv_err = n;
                sock_secure_session_info(s, &d->srv_fail);
            }
            sock_secure_session_close(s);
        } else {
            ssock_error("demo: the server failed: %s", sock_secure_strerror(n));
            return -1;
        }
    }
}

/* One round of the single-threaded loop: run both ends, then sleep until either has work.
 * @return 0 or -1 (error printed). */
static int demo_pump(demo_t *d)
{
    int rc = sock_secure_process(&d->srv);
    uint32_t ts;
    uint32_t tc;
    uint32_t t;

    if (rc >= 0) {
        rc = demo_serve(d) < 0 ? -EIO : 0;
    }
    if (rc >= 0) {
        rc = sock_secure_process(&d->cli);
    }
    if (rc < 0) {
        if (rc != -EIO || !ssock_interrupted) {
            ssock_error("demo: loopback I/O failed: %s", sock_secure_strerror(rc));
        }
        return -1;
    }
    ts = sock_secure_next_timeout(&d->srv);
    tc = sock_secure_next_timeout(&d->cli);
    t = ts < tc ? ts : tc;
    if (t > DEMO_MAX_WAIT_MS) {
        t = DEMO_MAX_WAIT_MS;
    }
    if (t > 0) {
        /* Sleep until either socket is readable or the earlier timer is due. */
        ssock_wait_fds(d->srv_udp.fd, d->cli_udp.fd, t, NULL);
    }
    return 0;
}

/* Pump until the client's session is established. @return 0 or an exit status (printed). */
static int demo_handshake(demo_t *d)
{
    uint64_t start = ssock_now_ms();
    sock_secure_session_info_t info;
    int rc = sock_secure_connect(&d->cli, &d->srv_ep, &d->cs, 0);

    if (rc != 0 && rc != -EINPROGRESS) {
        ssock_error("demo: connect failed: %s", sock_secure_strerror(rc));
        return ssock_exit_status(rc);
    }
    for (;;) {
        if (sock_secure_session_info(d->cs, &info) < 0) {
            ssock_error("demo: the client's session vanished");
            return SSOCK_EXIT_IO;
        }
        if (info.state == SOCK_SECURE_ST_OPEN) {
            return 0;
        }
        if (info.state == SOCK_SECURE_ST_CLOSED || d->srv_err != 0) {
            char why[160];
            bool srv_side = info.state != SOCK_SECURE_ST_CLOSED;
            int err = srv_side ? d->srv_err : info.last_error;

            ssock_describe_failure(srv_side ? &d->srv_fail : &info, err, false, why, sizeof why);
            ssock_error("demo: handshake failed (%s side): %s", srv_side ? "server" : "client",
                        why);
            return ssock_exit_status(err);
        }
        if (ssock_interrupted) {
            ssock_error("demo: interrupted");
            return SSOCK_EXIT_OK;
        }
        if (ssock_now_ms() - start > DEMO_STEP_TIMEOUT_MS) {
            ssock_error("demo: handshake did not finish within %u ms", DEMO_STEP_TIMEOUT_MS);
            return SSOCK_EXIT_TIMEOUT;
        }
        if (demo_pump(d) < 0) {
            return SSOCK_EXIT_IO;
        }
    }
}

/* Send "hello N" and wait for it to come back unchanged. @return 0 or an exit status. */
static int demo_round(demo_t *d, unsigned n)
{
    char msg[32];
    uint8_t reply[SSOCK_RECORD_MAX];
    int len = snprintf(msg, sizeof msg, "hello %u", n);
    uint64_t start = ssock_now_ms();
    int rc = sock_secure_session_send(d->cs, msg, (size_t)len);

    if (rc != len) {
        ssock_error("demo: the client cannot send: %s", sock_secure_strerror(rc));
        return ssock_exit_status(rc < 0 ? rc : -EIO);
    }
    for (;;) {
        sock_secure_session_t *s = d->cs;

        if (demo_pump(d) < 0) {
            return SSOCK_EXIT_IO;
        }
        rc = sock_secure_session_recv(s, reply, sizeof reply, 0);
        if (rc >= 0) {
            break;
        }
        if (rc != -EAGAIN) {
            ssock_error("demo: the client's receive failed: %s", sock_secure_strerror(rc));
            return ssock_exit_status(rc);
        }
        if (ssock_interrupted) {
            ssock_error("demo: interrupted");
            return SSOCK_EXIT_OK;
        }
        if (ssock_now_ms() - start > DEMO_STEP_TIMEOUT_MS) {
            ssock_error("demo: no echo of '%s' within %u ms", msg, DEMO_STEP_TIMEOUT_MS);
            return SSOCK_EXIT_TIMEOUT;
        }
    }
    if (rc != len || memcmp(reply, msg, (size_t)len) != 0) {
        ssock_error("demo: the echo of '%s' came back as %d different bytes", msg, rc);
        return SSOCK_EXIT_IO;
    }
    return 0;
}

/* Close the client's session and let the server see the close_notify (best effort, bounded). */
static void demo_close(demo_t *d)
{
    uint64_t start = ssock_now_ms();

    sock_secure_session_close(d->cs);
    d->cs = NULL;
    while (!d->srv_saw_close && !ssock_interrupted &&
           ssock_now_ms() - start < DEMO_STEP_TIMEOUT_MS / 10) {
        if (demo_pump(d) < 0) {
            break;
        }
    }
}

static void demo_report(const demo_t *d, const sock_secure_session_info_t *ci, uint64_t echo_ms)
{
    sock_secure_backend_info_t be;
    bool known = sock_secure_backend_info(d->backend, &be) == 0;
    sock_secure_stats_t ss;
    char sep[SOCK_SECURE_EP_STRLEN];
    char cep[SOCK_SECURE_EP_STRLEN];

    if (sock_secure_stats(&d->srv, &ss) < 0) {
        memset(&ss, 0, sizeof ss);
    }
    printf("ssock demo: DTLS server and client in one process, over loopback UDP\n");
    printf("  backend     %s %s\n", known ? be.name : "?", known ? be.version : "");
    printf("  server      %s   client %s\n", ssock_ep_str(&d->srv_ep, sep, sizeof sep),
           ssock_ep_str(&d->cli_ep, cep, sizeof cep));
    printf("  psk         identity \"%s\", %zu-byte built-in demo key\n",
           (const char *)demo_identity, sizeof demo_key);
    printf("  protocol    %s, %s (0x%04X)\n", ci->version, ci->suite_name, (unsigned)ci->suite);
    printf("  handshake   %s%lu ms, %lu retransmissions, %lu HelloVerifyRequest(s) from the "
           "server\n", ci->handshake_ms == 0 ? "<" : "",
           (unsigned long)(ci->handshake_ms == 0 ? 1 : ci->handshake_ms),
           (unsigned long)ci->retransmits, (unsigned long)ss.hello_verify_sent);
    printf("  echo        %u records sent, %u echoed back, all bytes verified (%lu round trips "
           "in %s%lu ms)\n", DEMO_ROUNDS, d->echoed, (unsigned long)ci->records_in,
           echo_ms == 0 ? "<" : "", (unsigned long)(echo_ms == 0 ? 1 : echo_ms));
    printf("  client out  %lu bytes in %lu datagrams\n", (unsigned long)ci->bytes_out,
           (unsigned long)ci->datagrams_out);
    printf("  client in   %lu bytes in %lu datagrams\n", (unsigned long)ci->bytes_in,
           (unsigned long)ci->datagrams_in);
    printf("  close       client sent close_notify; server %s\n",
           d->srv_saw_close ? "saw it and freed the session" : "did not see it in time");
    printf("ok\n");
}

static int demo_run(const char *backend)
{
    demo_t d;
    sock_secure_psk_t psk = { demo_identity, sizeof demo_identity - 1, demo_key, sizeof demo_key };
    sock_secure_session_info_t ci;
    uint64_t echo_start;
    uint64_t echo_ms = 0;
    int rc;

    memset(&d, 0, sizeof d);
    d.backend = backend;
    if (demo_open_transports(&d) < 0) {
        return SSOCK_EXIT_IO;
    }
    if (demo_create(&d, &psk) < 0) {
        sock_secure_transport_close(&d.srv_udp.base);
        sock_secure_transport_close(&d.cli_udp.base);
        return SSOCK_EXIT_IO;
    }
    rc = demo_handshake(&d);
    echo_start = ssock_now_ms();
    for (unsigned n = 1; rc == 0 && !ssock_interrupted && n <= DEMO_ROUNDS; n++) {
        rc = demo_round(&d, n);
    }
    if (rc == 0 && !ssock_interrupted) { /* interrupted: exit 0 without a report */
        echo_ms = ssock_now_ms() - echo_start;
        if (sock_secure_session_info(d.cs, &ci) < 0) {
            ssock_error("demo: the client's session vanished");
            rc = SSOCK_EXIT_IO;
        }
    }
    if (rc == 0 && !ssock_interrupted) {
        demo_close(&d);
        demo_report(&d, &ci, echo_ms);
    }
    sock_secure_close(&d.cli);
    sock_secure_close(&d.srv);
    sock_secure_transport_close(&d.cli_udp.base);
    sock_secure_transport_close(&d.srv_udp.base);
    return fflush(stdout) == 0 ? rc : SSOCK_EXIT_IO;
}

int ssock_demo_main(int argc, char **argv)
{
    if (ssock_wants_help(argc, argv)) {
        demo_usage(stdout);
        return SSOCK_EXIT_OK;
    }
    ssock_args_t a = { argc, argv, 1, "demo" };
    const char *backend = NULL;

    while (a.i < argc) {
        char *val = NULL;
        int m = ssock_opt(&a, "--backend", &val);

        if (m < 0) {
            return SSOCK_EXIT_USAGE;
        }
        if (m == 0) {
            return ssock_usage_error("demo", "%s '%s'",
                                     argv[a.i][0] == '-' ? "unknown option"
                                                         : "unexpected argument",
                                     argv[a.i]);
        }
        if (ssock_parse_backend(a.cmd, val) < 0) {
            return SSOCK_EXIT_USAGE;
        }
        backend = val;
    }
    ssock_install_signals();
    return demo_run(backend);
}
