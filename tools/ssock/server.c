/**
 * @file server.c
 * @brief `ssock server`: accept DTLS sessions on one UDP socket, print (and optionally echo) what
 *        peers send.
 *
 * Loop: sock_secure_process(), then read every waiting record with sock_secure_recv(any, 0), then
 * sleep in poll() on the UDP socket until it is readable or sock_secure_next_timeout() expires.
 * Session starts and ends are reported through the event callback.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ssock.h"

/** Per-slot flags kept next to the caller's session array. */
#define SRV_SLOT_UP       0x1u /* handshake completed */
#define SRV_SLOT_REPORTED 0x2u /* its end was printed */

/** Longest wait in poll(), so a signal that lands just before poll() is seen soon. */
#define SRV_MAX_WAIT_MS 1000u

typedef struct {
    sock_ep_t listen;
    bool listen_given;
    ssock_keys_t keys;
    ssock_certs_t certs;
    const char *hint;
    ssock_suites_t suites;
    uint32_t max_sessions;
    bool echo;
    bool once;
    bool verbose;
} srv_opts_t;

typedef struct {
    const srv_opts_t *opts;
    sock_secure_session_t *slots;
    uint8_t *flags;   /* SRV_SLOT_* per slot */
    size_t count;
    bool done;        /* --once: the first session ended */
    int status;       /* exit status once done */
} srv_t;

static void srv_usage(FILE *out)
{
    fprintf(out,
            "usage: ssock server (--psk IDENTITY:HEXKEY | --cert FILE --key FILE) [options]\n"
            "\n"
            "Accept DTLS 1.2 sessions on a UDP port and print each record received on stdout,\n"
            "one line per record. With --psk and --cert together, each client gets a suite of\n"
            "the kind it offers (PSK or ECDHE-ECDSA).\n"
            "\n"
            "options:\n"
            "  --listen ADDR:PORT  where to listen (default [::]:%d, IPv4 and IPv6)\n"
            "  --psk ID:HEXKEY     a pre-shared key clients may use; repeatable (up to %d)\n"
            "                      key: 1..%d bytes as an even number of hex digits\n"
            "                      (ID may contain ':'; the last one starts the key)\n"
            "  --psk-hint HINT     identity hint sent to clients\n"
            "  --cert FILE         the server's certificate (chain), PEM or DER\n"
            "  --key FILE          its private key: EC P-256, PEM or DER, SEC1 or PKCS#8\n"
            "  --ca FILE           CA certificate(s) client certificates must chain to; with it\n"
            "                      clients must present one (see --verify)\n"
            "  --verify MODE       client certificates: none, optional (checked if sent) or\n"
            "                      required (default: required with --ca, else none)\n"
            "  --ciphers LIST      suites in preference order, comma-separated IANA or OpenSSL\n"
            "                      names (default: the CoAP suites of the credentials given:\n"
            "                      PSK-AES128-CCM8 ..., ECDHE-ECDSA-AES128-CCM8 ...)\n"
            "  --max-sessions N    concurrent sessions, 1..%d (default %d)\n"
            "  --echo              send each record back to its sender\n"
            "  --once              exit when the first established session ends: 0 if the\n"
            "                      peer closed it (failed handshakes do not count)\n"
            "  -v                  prefix records with the peer; report sessions on stderr\n"
            "  -h, --help          this text\n"
            "\n"
            "SIGINT/SIGTERM close every session (close_notify) and exit 0. Failed handshakes\n"
            "are reported on stderr (with the alert and a hint), with or without -v.\n",
            SSOCK_DEFAULT_PORT, SSOCK_MAX_PSKS, CONFIG_SOCK_SECURE_PSK_KEY_MAX, SSOCK_MAX_SESSIONS,
            SSOCK_DEFAULT_SESSIONS);
}

/* Parse the options. @return -1 to go on, else the exit status to return. */
static int srv_parse(srv_opts_t *o, int argc, char **argv)
{
    ssock_args_t a = { argc, argv, 1, "server" };

    memset(o, 0, sizeof *o);
    o->max_sessions = SSOCK_DEFAULT_SESSIONS;
    while (a.i < argc) {
        char *val = NULL;
        int m;

        if ((m = ssock_opt(&a, "--listen", &val)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            if (sock_ep_parse(&o->listen, val, SSOCK_DEFAULT_PORT) < 0) {
                return ssock_usage_error(a.cmd, "--listen: '%s' is not ADDR:PORT "
                                         "(e.g. 0.0.0.0:5684 or [::]:5684)", val);
            }
            o->listen_given = true;
        } else if ((m = ssock_opt(&a, "--psk", &val)) != 0) {
            if (m < 0 || ssock_parse_psk(a.cmd, &o->keys, val) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_cert_opt(&a, &o->certs, false)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--psk-hint", &val)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            if (strlen(val) > CONFIG_SOCK_SECURE_PSK_ID_MAX) {
                return ssock_usage_error(a.cmd, "--psk-hint: at most %d bytes",
                                         CONFIG_SOCK_SECURE_PSK_ID_MAX);
            }
            o->hint = val;
        } else if ((m = ssock_opt(&a, "--ciphers", &val)) != 0) {
            if (m < 0 || ssock_parse_ciphers(a.cmd, &o->suites, val) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--max-sessions", &val)) != 0) {
            if (m < 0 || ssock_parse_u32(a.cmd, "--max-sessions", val, 1, SSOCK_MAX_SESSIONS,
                                         &o->max_sessions) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--echo", NULL)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->echo = true;
        } else if ((m = ssock_opt(&a, "--once", NULL)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->once = true;
        } else if ((m = ssock_opt(&a, "-v", NULL)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->verbose = true;
        } else if (argv[a.i][0] == '-') {
            return ssock_usage_error(a.cmd, "unknown option '%s'", argv[a.i]);
        } else {
            return ssock_usage_error(a.cmd, "unexpected argument '%s'", argv[a.i]);
        }
    }
    if ((o->certs.cert != NULL) != (o->certs.key != NULL)) {
        return ssock_usage_error(a.cmd, o->certs.cert ? "--cert needs --key (its private key)"
                                                      : "--key needs --cert (raw public keys "
                                                        "are not supported)");
    }
    if (o->keys.count == 0 && o->certs.cert == NULL) {
        return ssock_usage_error(a.cmd, "--psk IDENTITY:HEXKEY or --cert FILE --key FILE is "
                                 "required");
    }
    if (o->certs.ca == NULL && (o->certs.verify == SOCK_SECURE_VERIFY_OPTIONAL ||
                                o->certs.verify == SOCK_SECURE_VERIFY_REQUIRED)) {
        return ssock_usage_error(a.cmd, "--verify %s needs --ca FILE to check client "
                                 "certificates against",
                                 o->certs.verify == SOCK_SECURE_VERIFY_OPTIONAL ? "optional"
                                                                                : "required");
    }
    return -1;
}

/* The slot index of @p s, or count if it is not one of ours. */
static size_t srv_index(const srv_t *srv, const sock_secure_session_t *s)
{
    if (s < srv->slots || s >= srv->slots + srv->count) {
        return srv->count;
    }
    return (size_t)(s - srv->slots);
}

/* Report the end of a session (once), and decide --once. */
static void srv_report_end(srv_t *srv, sock_secure_session_t *s, int err)
{
    size_t i = srv_index(srv, s);
    sock_secure_session_info_t info;
    bool have_info = sock_secure_session_info(s, &info) == 0;
    char peer[SOCK_EP_STRLEN] = "?";
    char why[160];

    if (i >= srv->count || (srv->flags[i] & SRV_SLOT_REPORTED) != 0 ||
        err == SOCK_SECURE_E_HELLO_VERIFY) {
        return;
    }
    srv->flags[i] |= SRV_SLOT_REPORTED;
    if (have_info) {
        ssock_ep_str(&info.remote, peer, sizeof peer);
        if (err == 0) {
            err = info.last_error;
        }
    }
    if (err == SOCK_SECURE_E_PEER_CLOSED || err == 0) {
        if (srv->opts->verbose) {
            fprintf(stderr, "ssock: %s: peer closed the session (%lu records in, %lu out)\n", peer,
                    have_info ? (unsigned long)info.records_in : 0ul,
                    have_info ? (unsigned long)info.records_out : 0ul);
        }
        err = 0;
    } else {
        ssock_describe_failure(have_info ? &info : NULL, err, why, sizeof why);
        if (err == -ETIMEDOUT && (srv->flags[i] & SRV_SLOT_UP) == 0) {
            fprintf(stderr, "ssock: %s: handshake timed out (the client went away)\n", peer);
        } else {
            fprintf(stderr, "ssock: %s: %s: %s\n", peer,
                    (srv->flags[i] & SRV_SLOT_UP) ? "session failed" : "handshake failed", why);
        }
    }
    /* --once: the first session that was established decides; failed handshakes (say, a client
     * with the wrong key) are reported and the server serves on. */
    if (srv->opts->once && !srv->done && (srv->flags[i] & SRV_SLOT_UP) != 0) {
        srv->done = true;
        srv->status = ssock_exit_status(err);
    }
}

static void srv_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                      int err, void *arg)
{
    srv_t *srv = arg;
    size_t i = srv_index(srv, s);
    sock_secure_session_info_t info;
    char peer[SOCK_EP_STRLEN];

    (void)sock;
    if (i >= srv->count) {
        return;
    }
    switch (ev) {
    case SOCK_SECURE_EV_CONNECTED:
        srv->flags[i] = SRV_SLOT_UP; /* a fresh session (the slot may be reused) */
        if (srv->opts->verbose && sock_secure_session_info(s, &info) == 0) {
            fprintf(stderr, "ssock: %s: handshake done: %s, %s, %lu ms\n",
                    ssock_ep_str(&info.remote, peer, sizeof peer), info.suite_name, info.version,
                    (unsigned long)info.handshake_ms);
        }
        break;
    case SOCK_SECURE_EV_CLOSED:
        srv_report_end(srv, s, SOCK_SECURE_E_PEER_CLOSED);
        break;
    case SOCK_SECURE_EV_ERROR:
        srv_report_end(srv, s, err);
        break;
    case SOCK_SECURE_EV_DATA:
    default:
        break; /* records are read in the main loop */
    }
}

/* Report (if not yet) and free a session that ended. */
static void srv_retire(srv_t *srv, sock_secure_session_t *s, int err)
{
    size_t i = srv_index(srv, s);

    srv_report_end(srv, s, err);
    sock_secure_session_close(s);
    if (i < srv->count) {
        srv->flags[i] = 0;
    }
}

/* One record arrived on @p s: print it, echo it. @return 0 or -EIO if stdout failed. */
static int srv_deliver(srv_t *srv, sock_secure_session_t *s, const uint8_t *buf, size_t len)
{
    sock_secure_session_info_t info;
    char prefix[SOCK_EP_STRLEN + 2];
    char peer[SOCK_EP_STRLEN];
    bool have_info = sock_secure_session_info(s, &info) == 0;
    int rc;

    if (srv->opts->verbose && have_info) {
        snprintf(prefix, sizeof prefix, "%s ", ssock_ep_str(&info.remote, peer, sizeof peer));
    }
    rc = ssock_print_record(buf, len, (srv->opts->verbose && have_info) ? prefix : NULL);
    if (srv->opts->echo && len > 0) {
        int sent = sock_secure_send(s, buf, len);

        if (sent < 0) {
            fprintf(stderr, "ssock: %s: echo failed: %s\n",
                    have_info ? ssock_ep_str(&info.remote, peer, sizeof peer) : "?",
                    sock_secure_strerror(sent));
        }
    }
    return rc;
}

/* Read every record that is ready. @return 0, or a negative error for a socket-wide failure. */
static int srv_drain(srv_t *srv, sock_secure_t *sock, uint8_t *buf, size_t len)
{
    for (;;) {
        sock_secure_session_t *s = NULL;
        int n = sock_secure_recv(sock, &s, buf, len, 0);

        if (n >= 0) {
            if (s != NULL && srv_deliver(srv, s, buf, (size_t)n) < 0) {
                return -EIO;
            }
        } else if (n == -EAGAIN) {
            return 0;
        } else if (s != NULL && sock_secure_error_is_fatal(n)) {
            srv_retire(srv, s, n);
        } else if (s != NULL) {
            return 0; /* not fatal for the session (cannot happen with a full-size buffer) */
        } else {
            return n;
        }
    }
}

/* Free every slot that ended without recv() telling us (e.g. a failed handshake). */
static void srv_sweep(srv_t *srv)
{
    for (size_t i = 0; i < srv->count; i++) {
        sock_secure_session_info_t info;

        if (sock_secure_session_info(&srv->slots[i], &info) == 0 &&
            info.state == SOCK_SECURE_ST_CLOSED) {
            srv_retire(srv, &srv->slots[i], info.last_error);
        }
    }
}

static int srv_loop(srv_t *srv, sock_secure_t *sock, const sock_udp_t *udp)
{
    uint8_t buf[SSOCK_RECORD_MAX];

    while (!ssock_interrupted && !srv->done) {
        int rc = sock_secure_process(sock);
        uint32_t t;

        if (rc < 0) {
            ssock_error("the UDP socket failed: %s", sock_secure_strerror(rc));
            return ssock_exit_status(rc);
        }
        rc = srv_drain(srv, sock, buf, sizeof buf);
        if (rc < 0) {
            ssock_error("%s", rc == -EIO ? "cannot write to stdout" : sock_secure_strerror(rc));
            return ssock_exit_status(rc);
        }
        srv_sweep(srv);
        if (srv->done) {
            break;
        }
        t = sock_secure_next_timeout(sock);
        if (t > 0) {
            rc = ssock_wait_fds(udp->fd, -1, t < SRV_MAX_WAIT_MS ? t : SRV_MAX_WAIT_MS, NULL);
            if (rc < 0) {
                ssock_error("poll failed: %s", strerror(-rc));
                return SSOCK_EXIT_IO;
            }
        }
    }
    if (ssock_interrupted && srv->opts->verbose) {
        fprintf(stderr, "ssock: interrupted: closing every session\n");
    }
    return srv->done ? srv->status : SSOCK_EXIT_OK;
}

/* Open the listening socket: the default falls back to IPv4 on a host without IPv6. */
static int srv_open(const srv_opts_t *o, sock_udp_t *udp, sock_ep_t *where)
{
    int rc;

    if (o->listen_given) {
        *where = o->listen;
        return ssock_udp_open(udp, where, "server");
    }
    sock_ep_parse(where, "[::]", SSOCK_DEFAULT_PORT);
    rc = ssock_udp_open(udp, where, NULL);
    if (rc == -EAFNOSUPPORT || rc == -EADDRNOTAVAIL) {
        sock_ep_parse(where, "0.0.0.0", SSOCK_DEFAULT_PORT);
        rc = ssock_udp_open(udp, where, NULL);
    }
    if (rc < 0) {
        char ep[SOCK_EP_STRLEN];

        ssock_error("cannot listen on %s: %s", ssock_ep_str(where, ep, sizeof ep),
                    strerror(-rc));
    }
    return rc;
}

static int srv_run(srv_opts_t *o)
{
    sock_udp_t udp;
    sock_ep_t where;
    sock_secure_t sock;
    sock_secure_config_t cfg;
    srv_t srv = { .opts = o, .count = o->max_sessions };
    char ep[SOCK_EP_STRLEN];
    int rc;

    srv.slots = calloc(srv.count, sizeof *srv.slots);
    srv.flags = calloc(srv.count, sizeof *srv.flags);
    if (srv.slots == NULL || srv.flags == NULL) {
        free(srv.slots);
        free(srv.flags);
        ssock_error("out of memory for %zu sessions", srv.count);
        return SSOCK_EXIT_IO;
    }
    if (srv_open(o, &udp, &where) < 0) {
        free(srv.slots);
        free(srv.flags);
        return SSOCK_EXIT_IO;
    }
    sock_secure_config_init(&cfg);
    cfg.role = SOCK_SECURE_SERVER;
    cfg.transport = &udp.base;
    cfg.sessions = srv.slots;
    cfg.session_count = srv.count;
    if (o->keys.count > 0) {
        cfg.psk = o->keys.psk;
        cfg.psk_count = o->keys.count;
    }
    cfg.psk_hint = o->hint;
    if (o->suites.count > 0) {
        cfg.suites = o->suites.id;
        cfg.suite_count = o->suites.count;
    }
    cfg.event_cb = srv_event;
    cfg.event_arg = &srv;
    rc = ssock_certs_load(&o->certs, &cfg);
    if (rc != SSOCK_EXIT_OK) {
        /* the error is printed */
    } else if ((rc = sock_secure_create(&sock, &cfg)) < 0) {
        ssock_create_failed(rc, o->suites.count > 0, &o->certs);
        rc = ssock_exit_status(rc);
    } else {
        if (o->verbose) {
            const tlsman_driver_t *drv = sock_secure_backend(NULL);

            fprintf(stderr, "ssock: listening on %s (%s, %zu session slots, %zu PSKs%s%s)\n",
                    ssock_ep_str(&where, ep, sizeof ep), drv ? drv->name : "?", srv.count,
                    o->keys.count, o->certs.cert ? ", certificate " : "",
                    o->certs.cert ? o->certs.cert : "");
        }
        rc = srv_loop(&srv, &sock, &udp);
        sock_secure_close(&sock); /* close_notify to every open session */
    }
    ssock_certs_free(&o->certs);
    sock_close(&udp.base);
    ssock_wipe(srv.slots, srv.count * sizeof *srv.slots);
    free(srv.slots);
    free(srv.flags);
    return rc;
}

int ssock_server_main(int argc, char **argv)
{
    srv_opts_t o;
    int rc;

    if (ssock_wants_help(argc, argv)) {
        srv_usage(stdout);
        return SSOCK_EXIT_OK;
    }
    rc = srv_parse(&o, argc, argv);
    if (rc < 0) {
        ssock_install_signals();
        rc = srv_run(&o);
    }
    ssock_keys_wipe(&o.keys);
    return rc;
}
