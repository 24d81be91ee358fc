/**
 * @file server.c
 * @brief `ssock server`: accept DTLS sessions on one UDP socket, or TLS sessions on one TCP
 *        listener (--tls), print (and optionally echo) what peers send.
 *
 * Loop: sock_secure_process(), then read every waiting record with sock_secure_recv_any(0), then
 * sleep in the transport until it has work or sock_secure_next_timeout() expires.
 * Session starts and ends are reported through the event callback.
 *
 * TLS (a byte stream): bytes are printed as they come, and --echo queues them per session
 * (SRV_ECHO_BACKLOG bytes at most) to send back as the connection takes them. A session whose
 * queue is full is not read from until it drains: its record waits unread (the library stops
 * reading that connection, the others go on), and the server waits for that connection to be
 * writable or for other work, SRV_STALL_WAIT_MS at most at a time (sock_secure_next_timeout() is
 * 0 while a record waits unread).
 */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "ssock.h"

/** Per-slot flags kept next to the caller's session array. */
#define SRV_SLOT_UP       0x1u /* handshake completed */
#define SRV_SLOT_REPORTED 0x2u /* its end was printed */
#define SRV_SLOT_STALLED  0x4u /* TLS --echo: its backlog is full (reported with -v) */

/** Longest wait in poll(), so a signal that lands just before poll() is seen soon. */
#define SRV_MAX_WAIT_MS 1000u

/** TLS --echo: bytes queued per session for sending back, at most. */
#define SRV_ECHO_BACKLOG 65536u

/** TLS: how long to wait at most while a stalled echo holds a record unread (see the file
 *  comment): the stalled connection's writability and the others' input wake the wait earlier. */
#define SRV_STALL_WAIT_MS 100u

/** TLS: reads per loop turn at most, so output and timers get their turn under a flood. */
#define SRV_READS_PER_TURN 256

/** --workers: processes at most. */
#define SRV_MAX_WORKERS 64

typedef struct {
    const char *listen;     /* --listen text, parsed once --tls is known (default port) */
    sock_secure_ep_t listen_ep;    /* what it says */
    bool listen_any;        /* --listen PORT: every address ([::], or 0.0.0.0 without IPv6) */
    ssock_keys_t keys;
    ssock_certs_t certs;
    const char *hint;
    const char *backend;    /* --backend NAME, NULL: the default one */
    ssock_suites_t suites;
    uint32_t max_sessions;
    uint32_t max_half_open;      /* --max-half-open, 0: the library's default (all slots) */
    uint32_t max_per_addr;       /* --max-per-address, 0: the library's default */
    uint32_t hs_deadline_ms;     /* --handshake-deadline */
    uint32_t hs_stall_ms;        /* --handshake-stall */
    uint32_t idle_timeout_ms;    /* --idle-timeout */
    bool evict;                  /* --when-full evict */
    bool echo;
    bool once;
    unsigned verbose;            /* -v: 1, -v -v: 2 (debug) */
    bool tls;
    uint32_t workers;            /* --workers: processes sharing the port (SO_REUSEPORT) */
    bool tickets;                /* --tickets: session resumption by RFC 5077 tickets */
    bool renegotiation;          /* --renegotiation: take the clients' renegotiations */
} srv_opts_t;

/** TLS --echo: bytes received and not yet accepted back by the session (heap, lazily). */
typedef struct {
    uint8_t *buf; /* SRV_ECHO_BACKLOG bytes, or NULL */
    size_t off;   /* first byte not sent */
    size_t len;   /* bytes not sent */
} srv_backlog_t;

typedef struct {
    const srv_opts_t *opts;
    sock_secure_session_t *slots;
    uint8_t *flags;   /* SRV_SLOT_* per slot */
    size_t count;
    bool done;        /* --once: the first session ended */
    int status;       /* exit status once done */
    bool stream;      /* TLS over TCP */
    sock_secure_transport_t *net;      /* the transport */
    srv_backlog_t *backlog;          /* TLS --echo: per slot */
    sock_secure_session_t *stalled;  /* TLS --echo: holds the unread record, its backlog full */
    /* for the log (-v) */
    sock_secure_t *sock;
    uint64_t start_ms;               /* when it started listening */
    unsigned long closed_by_peer;    /* established sessions the peer closed */
    unsigned long failed;            /* established sessions that failed */
    sock_secure_stats_t seen;        /* -v -v: the counters last looked at */
} srv_t;

static void srv_usage(FILE *out)
{
    fprintf(out,
            "usage: ssock server [--tls] [--backend NAME] (--psk IDENTITY:HEXKEY |\n"
            "                    --psk-file FILE | --cert FILE --key FILE |\n"
            "                    --rpk --key FILE [--peer-key FILE]...) [options]\n"
            "\n"
            "Accept DTLS 1.2 sessions on a UDP port and print each record received on stdout,\n"
            "one line per record. With --psk and --cert together, each client gets a suite of\n"
            "the kind it offers (PSK or ECDHE-ECDSA).\n"
            "\n"
            "With --tls: TLS 1.2 over TCP instead. What peers send is a byte stream: it is\n"
            "written to stdout exactly as received (no newlines added, record boundaries mean\n"
            "nothing), and --echo sends every byte back in order.\n"
            "\n"
            "options:\n"
            "  --tls               TLS 1.2 over TCP instead of DTLS 1.2 over UDP\n"
            "  --backend NAME      the (D)TLS stack to use, e.g. mbedtls, wolfssl or gnutls\n"
            "                      (default: the first one 'ssock --version' lists that can\n"
            "                      do it)\n"
            "  --listen ADDR:PORT  where to listen: ADDR:PORT, [IPV6]:PORT, ADDR (default\n"
            "                      port) or PORT alone (every address, IPv4 and IPv6);\n"
            "                      port 0: the system picks one, printed on stderr (default\n"
            "                      [::]:%d, or [::]:%d with --tls)\n"
            "  --psk ID:HEXKEY     a pre-shared key clients may use; repeatable (up to %d)\n"
            "                      key: 1..%d bytes as an even number of hex digits\n"
            "                      (ID may contain ':'; the last one starts the key)\n"
            "  --psk-file FILE     keys from FILE, one ID:HEXKEY per line (blank lines and\n"
            "                      '#' comments skipped); FILE must be mode 0600 or stricter\n"
            "  --psk-hint HINT     identity hint sent to clients (a backend with PSK_HINT in\n"
            "                      'ssock --version'; mbedTLS 2.28 cannot send one)\n"
            "  --cert FILE         the server's certificate (chain), PEM or DER\n"
            "  --key FILE          its private key: EC P-256, PEM or DER, SEC1 or PKCS#8\n"
            "  --ca FILE           CA certificate(s) client certificates must chain to; with it\n"
            "                      clients must present one (see --verify)\n"
            "  --rpk               raw public keys (RFC 7250): our identity is --key alone\n"
            "                      (no --cert); clients are known by their keys (--peer-key)\n"
            "  --peer-key FILE     a client's public key (PEM or DER SubjectPublicKeyInfo);\n"
            "                      repeatable: the clients that may connect with a raw public\n"
            "                      key (with --cert too: beside certificate clients)\n"
            "  --verify MODE       client certificates or keys: none, optional (checked if\n"
            "                      sent) or required (default: required with --ca or\n"
            "                      --peer-key, else none)\n"
            "  --ciphers LIST      suites in preference order, comma-separated IANA or OpenSSL\n"
            "                      names (default: the CoAP suites of the credentials given:\n"
            "                      PSK-AES128-CCM8 ..., ECDHE-ECDSA-AES128-CCM8 ...)\n"
            "  --max-sessions N    concurrent sessions, 1..%d (default %d)\n"
            "  --max-half-open N   handshakes in progress at most, 1..max-sessions (default: all)\n"
            "  --max-per-address N handshakes in progress from one address (any port) at most,\n"
            "                      1..max-sessions (default %d): one host cannot fill the table\n"
            "  --handshake-deadline MS\n"
            "                      a handshake not done after MS ms is dropped (default %d;\n"
            "                      0: none)\n"
            "  --handshake-stall MS\n"
            "                      a handshake whose client sent nothing new for MS ms is\n"
            "                      dropped (default %d; 0: none)\n"
            "  --idle-timeout MS   an established session silent for MS ms is closed (default 0:\n"
            "                      never)\n"
            "  --when-full POLICY  every slot busy when a new client proved its address: refuse\n"
            "                      it (refuse, the default) or close the session idle longest\n"
            "                      (evict); a stalled handshake is displaced first either way\n"
            "  --echo              send each record (TLS: every byte) back to its sender\n"
            "  --workers N         N processes (1..%d, default 1), each with its own socket on\n"
            "                      the same port (SO_REUSEPORT): the system keeps each client\n"
            "                      on one of them by its address and port; nothing is shared\n"
            "                      (docs/SCALING.md); -v tags the log with the worker\n"
            "  --once              exit when the first established session ends: 0 if the\n"
            "                      peer closed it with close_notify (failed handshakes do not\n"
            "                      count; TLS: a connection closed or reset without\n"
            "                      close_notify is a failure, exit 4)\n"
            "  --renegotiation     let clients renegotiate (RFC 5746 secure renegotiation\n"
            "                      only; -v logs each one); without it they are refused\n"
            "  --tickets           issue session tickets (RFC 5077), under a key made at\n"
            "                      random at start: clients resume with an abbreviated\n"
            "                      handshake (-v logs 'session resumed') until ssock exits\n"
            "  -v                  prefix records with the peer; log on stderr: each session\n"
            "                      (peer, PSK identity or certificate, suite, handshake time,\n"
            "                      its end), clients refused or displaced by the limits above\n"
            "                      (address and reason), ICMP errors about clients, and a\n"
            "                      summary at exit (TLS: stdout stays exact; a line per chunk\n"
            "                      received goes to stderr: the peer and the byte count)\n"
            "  -v -v, -vv          also debug detail: every counter that moves (cookies sent,\n"
            "                      datagrams dropped and why, retransmissions), and each\n"
            "                      session's traffic at its end\n"
            "  -h, --help          this text\n"
            "\n"
            "Without --psk or --psk-file, the environment variable SSOCK_PSK=ID:HEXKEY gives\n"
            "a key. Keys shorter than %d bytes are taken with a warning; no key is ever printed.\n"
            "\n"
            "Log lines on stderr start with the local time (RFC 3339, milliseconds). Failed\n"
            "handshakes are logged (with the alert and a hint) with or without -v.\n"
            "SIGINT/SIGTERM close every session (close_notify) and exit 0.\n"
            "exit status: 0 ok; 1 usage error, or options the backend cannot honour (a suite\n"
            "it lacks, --psk-hint, a key that does not belong to its certificate); 4 other\n"
            "error (cannot listen, stdout failed); with --once, how the first established\n"
            "session ended: 0 close_notify, 2 a (D)TLS failure, 3 timed out, 4 other (TLS:\n"
            "closed or reset without close_notify)\n",
            SSOCK_DEFAULT_PORT, SSOCK_DEFAULT_TLS_PORT, SSOCK_MAX_PSKS,
            CONFIG_SOCK_SECURE_PSK_KEY_MAX, SSOCK_MAX_SESSIONS, SSOCK_DEFAULT_SESSIONS,
            CONFIG_SOCK_SECURE_HALF_OPEN_PER_ADDR, CONFIG_SOCK_SECURE_HS_DEADLINE_MS,
            CONFIG_SOCK_SECURE_HS_STALL_MS, SRV_MAX_WORKERS, SSOCK_PSK_MIN_BYTES);
}

/* Parse the options. @return -1 to go on, else the exit status to return. */
static int srv_parse(srv_opts_t *o, int argc, char **argv)
{
    ssock_args_t a = { argc, argv, 1, "server" };

    memset(o, 0, sizeof *o);
    o->max_sessions = SSOCK_DEFAULT_SESSIONS;
    o->workers = 1;
    o->hs_deadline_ms = CONFIG_SOCK_SECURE_HS_DEADLINE_MS;
    o->hs_stall_ms = CONFIG_SOCK_SECURE_HS_STALL_MS;
    while (a.i < argc) {
        char *val = NULL;
        int m;

        if ((m = ssock_opt(&a, "--listen", &val)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->listen = val;
        } else if ((m = ssock_opt(&a, "--tls", NULL)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->tls = true;
        } else if ((m = ssock_opt(&a, "--renegotiation", NULL)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->renegotiation = true;
        } else if ((m = ssock_opt(&a, "--tickets", NULL)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->tickets = true;
        } else if ((m = ssock_opt(&a, "--backend", &val)) != 0) {
            if (m < 0 || ssock_parse_backend(a.cmd, val) < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->backend = val;
        } else if ((m = ssock_opt(&a, "--psk", &val)) != 0) {
            if (m < 0 || ssock_parse_psk(a.cmd, &o->keys, val) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--psk-file", &val)) != 0) {
            if (m < 0 || ssock_psk_file(a.cmd, &o->keys, val, false) < 0) {
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
        } else if ((m = ssock_opt(&a, "--max-half-open", &val)) != 0) {
            if (m < 0 || ssock_parse_u32(a.cmd, "--max-half-open", val, 1, SSOCK_MAX_SESSIONS,
                                         &o->max_half_open) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--max-per-address", &val)) != 0) {
            if (m < 0 || ssock_parse_u32(a.cmd, "--max-per-address", val, 1, SSOCK_MAX_SESSIONS,
                                         &o->max_per_addr) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--handshake-deadline", &val)) != 0) {
            if (m < 0 || ssock_parse_u32(a.cmd, "--handshake-deadline", val, 0, UINT32_MAX - 1,
                                         &o->hs_deadline_ms) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--handshake-stall", &val)) != 0) {
            if (m < 0 || ssock_parse_u32(a.cmd, "--handshake-stall", val, 0, UINT32_MAX - 1,
                                         &o->hs_stall_ms) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--idle-timeout", &val)) != 0) {
            if (m < 0 || ssock_parse_u32(a.cmd, "--idle-timeout", val, 0, UINT32_MAX - 1,
                                         &o->idle_timeout_ms) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--when-full", &val)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            if (strcmp(val, "refuse") != 0 && strcmp(val, "evict") != 0) {
                return ssock_usage_error(a.cmd, "--when-full: '%s' is neither refuse nor evict",
                                         val);
            }
            o->evict = strcmp(val, "evict") == 0;
        } else if ((m = ssock_opt(&a, "--echo", NULL)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->echo = true;
        } else if ((m = ssock_opt(&a, "--workers", &val)) != 0) {
            if (m < 0 || ssock_parse_u32(a.cmd, "--workers", val, 1, SRV_MAX_WORKERS,
                                         &o->workers) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--once", NULL)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->once = true;
        } else if ((m = ssock_opt(&a, "-v", NULL)) != 0 ||
                   (m = 2 * ssock_opt(&a, "-vv", NULL)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->verbose += (unsigned)m;
        } else if (argv[a.i][0] == '-') {
            return ssock_usage_error(a.cmd, "unknown option '%s'", argv[a.i]);
        } else {
            return ssock_usage_error(a.cmd, "unexpected argument '%s'", argv[a.i]);
        }
    }
    if (o->listen != NULL &&
        ssock_parse_listen(a.cmd, o->listen, o->tls ? SSOCK_DEFAULT_TLS_PORT : SSOCK_DEFAULT_PORT,
                           &o->listen_ep, &o->listen_any) < 0) {
        return SSOCK_EXIT_USAGE;
    }
    if (o->once && o->workers > 1) {
        return ssock_usage_error(a.cmd, "--once serves one session: it takes one worker");
    }
    if (o->max_half_open > o->max_sessions || o->max_per_addr > o->max_sessions) {
        return ssock_usage_error(a.cmd, "--%s %lu: more than --max-sessions (%lu)",
                                 o->max_half_open > o->max_sessions ? "max-half-open"
                                                                    : "max-per-address",
                                 (unsigned long)(o->max_half_open > o->max_sessions
                                                     ? o->max_half_open
                                                     : o->max_per_addr),
                                 (unsigned long)o->max_sessions);
    }
    if (o->certs.rpk) {
        if (o->certs.cert != NULL || o->certs.key == NULL) {
            return ssock_usage_error(a.cmd, o->certs.cert ? "--rpk: our identity is the key "
                                                            "alone (no --cert)"
                                                          : "--rpk needs --key FILE (our "
                                                            "private key)");
        }
    } else if ((o->certs.cert != NULL) != (o->certs.key != NULL)) {
        return ssock_usage_error(a.cmd, o->certs.cert ? "--cert needs --key (its private key)"
                                                      : "--key needs --cert (or --rpk: the key "
                                                        "alone as a raw public key)");
    } else if (o->certs.peer_key_count > 0 && o->certs.cert == NULL) {
        return ssock_usage_error(a.cmd, "--peer-key needs --rpk or --cert (our own identity)");
    }
    if (o->keys.count == 0 && ssock_psk_env(a.cmd, &o->keys) < 0) {
        return SSOCK_EXIT_USAGE;
    }
    if (o->keys.count == 0 && o->certs.cert == NULL && !o->certs.rpk) {
        return ssock_usage_error(a.cmd, "--psk IDENTITY:HEXKEY (or --psk-file FILE, or "
                                 SSOCK_PSK_ENV "), --cert FILE --key FILE or --rpk --key FILE "
                                 "is required");
    }
    if (o->certs.ca == NULL && o->certs.peer_key_count == 0 &&
        (o->certs.verify == SOCK_SECURE_VERIFY_OPTIONAL ||
         o->certs.verify == SOCK_SECURE_VERIFY_REQUIRED)) {
        return ssock_usage_error(a.cmd, "--verify %s needs --ca FILE or --peer-key FILE to "
                                 "check client certificates or keys against",
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
    char peer[SOCK_SECURE_EP_STRLEN] = "?";
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
    if (err == SOCK_SECURE_E_DISPLACED) {
        if (srv->opts->verbose) {
            ssock_log("%s: handshake displaced: the client had sent nothing new "
                    "for a while and a new client took its slot (--max-half-open)", peer);
        }
    } else if (err == SOCK_SECURE_E_PEER_CLOSED || err == 0) {
        srv->closed_by_peer += (srv->flags[i] & SRV_SLOT_UP) != 0;
        if (srv->opts->verbose) {
            ssock_log("%s: peer closed the session (%lu records in, %lu out)", peer,
                    have_info ? (unsigned long)info.records_in : 0ul,
                    have_info ? (unsigned long)info.records_out : 0ul);
        }
        err = 0;
    } else {
        srv->failed += (srv->flags[i] & SRV_SLOT_UP) != 0;
        ssock_describe_failure(have_info ? &info : NULL, err, srv->stream, why, sizeof why);
        if (err == -ETIMEDOUT && (srv->flags[i] & SRV_SLOT_UP) == 0) {
            ssock_log("%s: handshake timed out (the client went away)", peer);
        } else {
            ssock_log("%s: %s: %s", peer,
                    (srv->flags[i] & SRV_SLOT_UP) ? "session failed" : "handshake failed", why);
        }
    }
    if (srv->opts->verbose > 1 && have_info) {
        ssock_log("%s: debug: its traffic: %lu datagrams in, %lu out; %llu bytes in, %llu out "
                  "(ciphertext); %lu records in, %lu out; %lu retransmissions", peer,
                  (unsigned long)info.datagrams_in, (unsigned long)info.datagrams_out,
                  (unsigned long long)info.bytes_in, (unsigned long long)info.bytes_out,
                  (unsigned long)info.records_in, (unsigned long)info.records_out,
                  (unsigned long)info.retransmits);
    }
    /* --once: the first session that was established decides; failed handshakes (say, a client
     * with the wrong key) are reported and the server serves on. */
    if (srv->opts->once && !srv->done && (srv->flags[i] & SRV_SLOT_UP) != 0) {
        srv->done = true;
        srv->status = ssock_exit_status(err);
    }
}

/* Who the client is, as far as can be said: the PSK identity it used, or what its certificate
 * proved (and its subject). Never a key; the peer's bytes quoted (ssock_quote). */
static const char *srv_auth(const srv_t *srv, const sock_secure_session_info_t *info, char *buf,
                            size_t len)
{
    const srv_opts_t *o = srv->opts;
    const sock_secure_suite_t *suite = sock_secure_suite(info->suite);
    char subject[SOCK_SECURE_SUBJECT_MAX * 4 + 24] = "";

    if (info->peer_subject[0] != '\0') {
        snprintf(subject, sizeof subject, " \"");
        ssock_quote(subject, sizeof subject - 1, (const uint8_t *)info->peer_subject,
                  strlen(info->peer_subject));
        strncat(subject, "\"", sizeof subject - strlen(subject) - 1);
    }
    if (suite != NULL && (suite->flags & SOCK_SECURE_SUITE_CERT) == 0) {
        if (info->psk_identity_len > 0) { /* the identity whose key the server found */
            snprintf(buf, len, "PSK identity \"");
            ssock_quote(buf, len - 1, info->psk_identity, info->psk_identity_len);
            strncat(buf, info->psk_identity_truncated ? "\"..." : "\"", len - strlen(buf) - 1);
        } else {
            snprintf(buf, len, "PSK (one of %zu identities)", o->keys.count);
        }
    } else if ((o->certs.ca == NULL && o->certs.peer_key_count == 0) ||
               o->certs.verify == SOCK_SECURE_VERIFY_NONE) {
        snprintf(buf, len, "%s; the client is not authenticated (no --ca%s)",
                 o->certs.rpk ? "raw public key" : "certificate",
                 o->certs.rpk ? " or --peer-key" : "");
    } else if (o->certs.ca == NULL && info->verify == 0) {
        /* raw public keys only (sock_secure_session_info() does not say which key) */
        snprintf(buf, len, "raw public key; the client's key is pinned (--peer-key)");
    } else if (o->certs.ca == NULL) {
        snprintf(buf, len, "raw public key; the client's key did not verify: %s (--verify "
                 "optional)", sock_secure_verify_reason(info->verify));
    } else if (info->verify == 0) {
        snprintf(buf, len, "certificate%s%s; the client%s verified (--ca %s%s)", subject,
                 o->certs.peer_key_count > 0 && subject[0] == '\0' ? " or raw public key" : "",
                 o->certs.peer_key_count > 0 ? "" : "'s certificate",
                 o->certs.ca, o->certs.peer_key_count > 0 ? " or --peer-key" : "");
    } else {
        snprintf(buf, len, "certificate%s; the client's certificate did not verify: %s (--verify "
                 "optional)", subject, sock_secure_verify_reason(info->verify));
    }
    return buf;
}

static void srv_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                      int err, void *arg)
{
    srv_t *srv = arg;
    size_t i = srv_index(srv, s);
    sock_secure_session_info_t info;
    char peer[SOCK_SECURE_EP_STRLEN];

    (void)sock;
    if (i >= srv->count) {
        return;
    }
    switch (ev) {
    case SOCK_SECURE_EV_CONNECTED:
        srv->flags[i] = SRV_SLOT_UP; /* a fresh session (the slot may be reused) */
        if (srv->backlog != NULL) {
            srv->backlog[i].off = srv->backlog[i].len = 0;
        }
        if (srv->opts->verbose && sock_secure_session_info(s, &info) == 0) {
            char auth[SOCK_SECURE_SUBJECT_MAX * 4 + 256];

            ssock_log("%s: handshake done: %s, %s, %lu ms, %s%s",
                      ssock_ep_str(&info.remote, peer, sizeof peer), info.suite_name,
                      info.version, (unsigned long)info.handshake_ms,
                      srv_auth(srv, &info, auth, sizeof auth),
                      info.resumed ? ", session resumed" : "");
        }
        break;
    case SOCK_SECURE_EV_RENEWED:
        if (srv->opts->verbose && sock_secure_session_info(s, &info) == 0) {
            ssock_log("%s: renegotiated: new keys in use",
                      ssock_ep_str(&info.remote, peer, sizeof peer));
        }
        break;
    case SOCK_SECURE_EV_CLOSED:
        /* close_notify, or (DTLS) a restarted peer: err says which */
        srv_report_end(srv, s, err != 0 ? err : SOCK_SECURE_E_PEER_CLOSED);
        break;
    case SOCK_SECURE_EV_ERROR:
        srv_report_end(srv, s, err);
        break;
    case SOCK_SECURE_EV_DATA:
    default:
        break; /* records are read in the main loop */
    }
}

/* -v: a new client that proved its address was turned away by the limits. */
static void srv_refused(sock_secure_t *sock, const sock_secure_ep_t *peer, sock_secure_refusal_t why,
                        void *arg)
{
    const srv_t *srv = arg;
    char ep[SOCK_SECURE_EP_STRLEN];

    (void)sock;
    if (!srv->opts->verbose) {
        return;
    }
    ssock_ep_str(peer, ep, sizeof ep);
    switch (why) {
    case SOCK_SECURE_REFUSED_PER_ADDR:
        ssock_log("%s: refused: its address has too many handshakes in progress "
                "(--max-per-address)", ep);
        break;
    case SOCK_SECURE_REFUSED_HALF_OPEN:
        ssock_log("%s: refused: too many handshakes in progress and none stalled "
                "(--max-half-open)", ep);
        break;
    case SOCK_SECURE_REFUSED_TABLE_FULL:
    default:
        ssock_log("%s: refused: every session slot is busy (--max-sessions, "
                "--when-full)", ep);
        break;
    }
}

/* peer_error_cb: the network reports an error about a client (ICMP: its port is closed, say).
 * The library ends no server session for one (it could be forged, and a server socket serves
 * many; the session's own timers do) and counts it (peer_errors): -v says so. */
static void srv_peer_error(sock_secure_t *sock, const sock_secure_ep_t *peer, int err, void *arg)
{
    srv_t *srv = arg;
    char ep[SOCK_SECURE_EP_STRLEN];

    (void)sock;
    if (srv->opts->verbose) {
        ssock_log("%s: the network says: %s (ICMP; the client is gone?)",
                  ssock_ep_str(peer, ep, sizeof ep), ssock_strerror(err, true));
    }
}

/* -v -v: name every counter that moved since the last look. */
static void srv_debug_counters(srv_t *srv)
{
    static const struct {
        size_t offset;
        const char *what;
    } counters[] = {
        { offsetof(sock_secure_stats_t, hello_verify_sent), "HelloVerifyRequest sent (cookie)" },
        { offsetof(sock_secure_stats_t, bad_cookies), "hello with a bad cookie (asked again)" },
        { offsetof(sock_secure_stats_t, drop_malformed), "datagram dropped: not a DTLS record "
                                                          "of a new peer" },
        { offsetof(sock_secure_stats_t, drop_unknown), "datagram dropped: for no session" },
        { offsetof(sock_secure_stats_t, drop_oversize), "datagram dropped: too large" },
        { offsetof(sock_secure_stats_t, drop_bad_record), "record dropped by the stack (bad "
                                                           "MAC, replay, ...)" },
        { offsetof(sock_secure_stats_t, retransmits), "flight retransmitted" },
        { offsetof(sock_secure_stats_t, peer_restarts), "session replaced by the peer's new "
                                                         "handshake" },
        { offsetof(sock_secure_stats_t, evictions), "session evicted (--when-full evict)" },
        { offsetof(sock_secure_stats_t, expired_idle), "session closed: idle (--idle-timeout)" },
        { offsetof(sock_secure_stats_t, expired_handshake), "handshake dropped "
                                                             "(--handshake-deadline)" },
        { offsetof(sock_secure_stats_t, expired_stall), "handshake dropped "
                                                         "(--handshake-stall)" },
    };
    sock_secure_stats_t now;

    if (srv->opts->verbose < 2 || sock_secure_stats(srv->sock, &now) < 0) {
        return;
    }
    for (size_t i = 0; i < sizeof counters / sizeof counters[0]; i++) {
        uint32_t a;
        uint32_t b;

        memcpy(&a, (const uint8_t *)&srv->seen + counters[i].offset, sizeof a);
        memcpy(&b, (const uint8_t *)&now + counters[i].offset, sizeof b);
        if (b != a) {
            ssock_log("debug: %s (+%lu, %lu in all)", counters[i].what,
                      (unsigned long)(b - a), (unsigned long)b);
        }
    }
    srv->seen = now;
}

/* -v: what happened, at exit (before the sessions still open are closed). */
static void srv_summary(srv_t *srv)
{
    sock_secure_stats_t st;
    uint64_t up = ssock_now_ms() - srv->start_ms;

    if (!srv->opts->verbose || sock_secure_stats(srv->sock, &st) < 0) {
        return;
    }
    ssock_log("summary: up %llu.%03llu s; handshakes: %lu done, %lu failed; sessions: %lu "
              "closed by the peer, %lu failed, %lu open at exit (closed with close_notify)",
              (unsigned long long)(up / 1000), (unsigned long long)(up % 1000),
              (unsigned long)st.handshakes_ok, (unsigned long)st.handshakes_failed,
              srv->closed_by_peer, srv->failed, (unsigned long)st.sessions_open);
    ssock_log("summary: refused %lu (%lu table full, %lu too many handshakes, %lu per "
              "address); %lu displaced, %lu evicted; expired %lu (%lu handshake deadline, %lu "
              "stall, %lu idle); %lu retransmissions; %lu network errors about clients",
              (unsigned long)(st.drop_table_full + st.drop_half_open + st.drop_per_addr),
              (unsigned long)st.drop_table_full, (unsigned long)st.drop_half_open,
              (unsigned long)st.drop_per_addr, (unsigned long)st.displaced,
              (unsigned long)st.evictions,
              (unsigned long)(st.expired_handshake + st.expired_stall + st.expired_idle),
              (unsigned long)st.expired_handshake, (unsigned long)st.expired_stall,
              (unsigned long)st.expired_idle, (unsigned long)st.retransmits,
              (unsigned long)st.peer_errors);
    if (!srv->stream) {
        ssock_log("summary: datagrams %lu in, %lu out; %lu HelloVerifyRequests; dropped: %lu "
                  "malformed, %lu for no session, %lu too large, %lu bad records",
                  (unsigned long)st.datagrams_in, (unsigned long)st.datagrams_out,
                  (unsigned long)st.hello_verify_sent, (unsigned long)st.drop_malformed,
                  (unsigned long)st.drop_unknown, (unsigned long)st.drop_oversize,
                  (unsigned long)st.drop_bad_record);
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
        if (srv->backlog != NULL) {
            ssock_wipe(srv->backlog[i].buf, srv->backlog[i].buf ? SRV_ECHO_BACKLOG : 0);
            free(srv->backlog[i].buf);
            srv->backlog[i].buf = NULL;
            srv->backlog[i].off = srv->backlog[i].len = 0;
        }
        if (srv->stalled == s) {
            srv->stalled = NULL;
        }
    }
}

/* TLS --echo: send what the session's backlog holds, as far as the connection takes it. */
static void srv_flush_backlog(srv_t *srv, sock_secure_session_t *s)
{
    size_t i = srv_index(srv, s);
    srv_backlog_t *b = i < srv->count ? &srv->backlog[i] : NULL;

    while (b != NULL && b->len > 0) {
        int sent = sock_secure_session_send(s, b->buf + b->off, b->len);

        if (sent > 0) {
            b->off += (size_t)sent;
            b->len -= (size_t)sent;
        } else if (sent == -EAGAIN) {
            break; /* the connection is full: the transport wakes us when it takes more */
        } else if (sent == -ENOTCONN) {
            b->len = 0; /* the session ended (reported on its own): nobody to echo to */
        } else {
            sock_secure_session_info_t info;
            char peer[SOCK_SECURE_EP_STRLEN] = "?";

            if (sock_secure_session_info(s, &info) == 0) {
                ssock_ep_str(&info.remote, peer, sizeof peer);
            }
            ssock_log("%s: echo failed, %zu bytes not sent back: %s", peer,
                    b->len, ssock_strerror(sent, true));
            b->len = 0; /* the session failed: the sweep reports and frees it */
        }
    }
    if (b != NULL && b->len == 0) {
        b->off = 0;
    }
}

/* TLS --echo: room left in the backlog of @p s (making it contiguous at the front). */
static size_t srv_backlog_room(srv_t *srv, sock_secure_session_t *s)
{
    srv_backlog_t *b = &srv->backlog[srv_index(srv, s)];

    if (b->buf == NULL) {
        b->buf = malloc(SRV_ECHO_BACKLOG);
        b->off = b->len = 0;
        if (b->buf == NULL) {
            return 0;
        }
    }
    if (b->off > 0 && b->len > 0) {
        memmove(b->buf, b->buf + b->off, b->len);
    }
    b->off = 0;
    return SRV_ECHO_BACKLOG - b->len;
}

/* One record arrived on @p s: print it, echo it. @return 0 or -EIO if stdout failed. */
static int srv_deliver(srv_t *srv, sock_secure_session_t *s, const uint8_t *buf, size_t len)
{
    sock_secure_session_info_t info;
    char prefix[SOCK_SECURE_EP_STRLEN + 2];
    char peer[SOCK_SECURE_EP_STRLEN];
    bool have_info = sock_secure_session_info(s, &info) == 0;
    int rc;

    if (srv->stream) {
        size_t i = srv_index(srv, s);

        if (srv->opts->verbose) {
            ssock_log("%s: %zu bytes",
                    have_info ? ssock_ep_str(&info.remote, peer, sizeof peer) : "?", len);
        }
        rc = ssock_write_raw(buf, len);
        if (srv->opts->echo && i < srv->count && srv->backlog[i].buf != NULL) {
            /* srv_drain_stream read no more than the room left */
            memcpy(srv->backlog[i].buf + srv->backlog[i].off + srv->backlog[i].len, buf, len);
            srv->backlog[i].len += len;
            srv_flush_backlog(srv, s);
        }
        return rc;
    }
    if (srv->opts->verbose && have_info) {
        snprintf(prefix, sizeof prefix, "%s ", ssock_ep_str(&info.remote, peer, sizeof peer));
    }
    rc = ssock_print_record(buf, len, (srv->opts->verbose && have_info) ? prefix : NULL);
    if (srv->opts->echo && len > 0) {
        int sent = sock_secure_session_send(s, buf, len);

        if (sent < 0) {
            ssock_log("%s: echo failed: %s",
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
        int n = sock_secure_recv_any(sock, &s, buf, len, 0);

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

/* TLS --echo, -v: say when a session's backlog fills up (once per episode) and drains. */
static void srv_note_stall(srv_t *srv, sock_secure_session_t *s, bool full)
{
    size_t i = srv_index(srv, s);
    sock_secure_session_info_t info;
    char peer[SOCK_SECURE_EP_STRLEN] = "?";

    if (i >= srv->count || full == ((srv->flags[i] & SRV_SLOT_STALLED) != 0)) {
        return;
    }
    srv->flags[i] ^= SRV_SLOT_STALLED;
    if (srv->opts->verbose) {
        if (sock_secure_session_info(s, &info) == 0) {
            ssock_ep_str(&info.remote, peer, sizeof peer);
        }
        if (full) {
            ssock_log("%s: echo backlog full (%u bytes): waiting for the peer to "
                    "read", peer, SRV_ECHO_BACKLOG);
        } else {
            ssock_log("%s: echo backlog has room again", peer);
        }
    }
}

/*
 * TLS: read what is ready, as bytes. First ask which session holds the waiting bytes (a read of
 * length 0 names it and takes nothing), then read from that session at most what its echo
 * backlog has room for. @return 0, or a negative error for a socket-wide failure.
 */
static int srv_drain_stream(srv_t *srv, sock_secure_t *sock, uint8_t *buf, size_t len)
{
    srv->stalled = NULL;
    for (int turn = 0; turn < SRV_READS_PER_TURN; turn++) {
        sock_secure_session_t *s = NULL;
        size_t want = len;
        int n = sock_secure_recv_any(sock, &s, buf, 0, 0);

        if (n == -EAGAIN) {
            return 0;
        }
        if (n != -EMSGSIZE || s == NULL) { /* not bytes: a session ended, or the socket failed */
            if (s != NULL && sock_secure_error_is_fatal(n)) {
                srv_retire(srv, s, n);
                continue;
            }
            return s != NULL ? 0 : n;
        }
        if (srv->opts->echo) {
            size_t room;

            srv_flush_backlog(srv, s);
            room = srv_backlog_room(srv, s);
            if (room == 0) {
                if (srv->backlog[srv_index(srv, s)].buf == NULL) {
                    return -ENOMEM;
                }
                srv->stalled = s; /* its peer does not read: wait until it does */
                srv_note_stall(srv, s, true);
                return 0;
            }
            srv_note_stall(srv, s, false);
            want = room < want ? room : want;
        }
        n = sock_secure_session_recv(s, buf, want, 0);
        if (n > 0) {
            if (srv_deliver(srv, s, buf, (size_t)n) < 0) {
                return -EIO;
            }
        } else if (n != -EAGAIN && n != -EBUSY && sock_secure_error_is_fatal(n)) {
            srv_retire(srv, s, n);
        }
    }
    return 0;
}

/* TLS --echo: push every backlog (after the connections took more). */
static void srv_flush_backlogs(srv_t *srv)
{
    for (size_t i = 0; i < srv->count; i++) {
        if (srv->backlog[i].len > 0) {
            srv_flush_backlog(srv, &srv->slots[i]);
        }
    }
}

/* Free every slot that ended without recv_any() telling us (e.g. a failed handshake). */
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

static int srv_loop(srv_t *srv, sock_secure_t *sock)
{
    uint8_t buf[SSOCK_STREAM_CHUNK > SSOCK_RECORD_MAX ? SSOCK_STREAM_CHUNK : SSOCK_RECORD_MAX];

    while (!ssock_interrupted && !srv->done) {
        int rc = sock_secure_process(sock);
        uint32_t t;

        if (rc < 0) {
            ssock_log("the %s socket failed: %s", srv->stream ? "TCP" : "UDP",
                      sock_secure_strerror(rc));
            return ssock_exit_status(rc);
        }
        srv_debug_counters(srv);
        if (srv->stream && srv->opts->echo) {
            srv_flush_backlogs(srv);
        }
        rc = srv->stream ? srv_drain_stream(srv, sock, buf, sizeof buf)
                         : srv_drain(srv, sock, buf, SSOCK_RECORD_MAX);
        if (rc < 0) {
            ssock_log("%s", rc == -EIO      ? "cannot write to stdout"
                            : rc == -ENOMEM ? "out of memory for the echo backlog"
                                            : sock_secure_strerror(rc));
            return ssock_exit_status(rc);
        }
        srv_sweep(srv);
        if (srv->done) {
            break;
        }
        t = srv->stalled != NULL ? SRV_STALL_WAIT_MS : sock_secure_next_timeout(sock);
        if (t > 0) {
            rc = ssock_wait(srv->net, -1, t < SRV_MAX_WAIT_MS ? t : SRV_MAX_WAIT_MS, NULL);
            if (rc < 0) {
                ssock_log("poll failed: %s", strerror(-rc));
                return SSOCK_EXIT_IO;
            }
        }
    }
    if (ssock_interrupted && srv->opts->verbose) {
        ssock_log("interrupted: closing every session");
    }
    return srv->done ? srv->status : SSOCK_EXIT_OK;
}

/** The server's transport: UDP (ICMP errors about clients: counted by the library, logged with
 *  -v through peer_error_cb), or TCP with its connection slots (one per session slot, and one
 *  more: a new connection is then always seen by the library's admission, which may displace a
 *  stalled handshake for it). */
typedef struct {
    sock_secure_udp_t udp;
    sock_secure_tcp_t tcp;
    sock_secure_tcp_conn_t *conns;
} srv_net_t;

/* Open (listen) on @p where: UDP, or TCP with --tls. @return 0 or the negative error. */
static int srv_open_at(const srv_opts_t *o, srv_net_t *net, size_t count, const sock_secure_ep_t *where)
{
    if (o->tls) {
        return sock_secure_tcp_listen_opts(&net->tcp, where, net->conns, count,
                                           o->workers > 1 ? SOCK_SECURE_TCP_REUSEPORT : 0u);
    }
    return sock_secure_udp_open_opts(&net->udp, where,
                                     o->workers > 1 ? SOCK_SECURE_UDP_REUSEPORT : 0u);
}

/* --workers N: the worker processes besides this one (worker 0) */
static pid_t srv_workers[SRV_MAX_WORKERS];
static unsigned srv_worker_count;

/*
 * --workers N > 1: fork N - 1 more workers once the port is known (@p where) and before anything
 * else is set up, so that no state, and no random generator state above all, is shared: each
 * child closes the socket it inherited and opens its own on the same port (SO_REUSEPORT), then
 * goes on as a server of its own. @return the worker's number (0 here, in the parent), or -1
 * (an error, printed; the workers already started are stopped).
 */
static int srv_fork_workers(const srv_opts_t *o, srv_net_t *net, size_t count,
                            const sock_secure_ep_t *where)
{
    sock_secure_transport_t *t = o->tls ? &net->tcp.base : &net->udp.base;

    fflush(NULL); /* nothing buffered is printed twice */
    for (unsigned i = 1; i < o->workers; i++) {
        pid_t pid = fork();

        if (pid < 0) {
            ssock_error("cannot start worker %u: %s", i, strerror(errno));
            return -1;
        }
        if (pid == 0) {
            char ep[SOCK_SECURE_EP_STRLEN];
            int rc;

            srv_worker_count = 0; /* a worker has no workers of its own */
#if defined(__linux__)
            (void)prctl(PR_SET_PDEATHSIG, SIGTERM); /* the first worker killed outright: stop too */
            if (getppid() == 1) {
                _exit(SSOCK_EXIT_IO); /* it died before that was set */
            }
#endif
            ssock_log_worker(i);
            sock_secure_transport_close(t);
            memset(net, 0, offsetof(srv_net_t, conns));
            if ((rc = srv_open_at(o, net, count, where)) < 0) {
                ssock_error("worker %u cannot listen on %s: %s", i,
                            ssock_ep_str(where, ep, sizeof ep), strerror(-rc));
                return -1;
            }
            return (int)i;
        }
        srv_workers[srv_worker_count++] = pid;
    }
    ssock_log_worker(0);
    return 0;
}

/* Worker 0: stop the other workers and collect them. @return the first failure's exit status,
 * else @p rc. */
static int srv_stop_workers(int rc)
{
    for (unsigned i = 0; i < srv_worker_count; i++) {
        (void)kill(srv_workers[i], SIGTERM);
    }
    for (unsigned i = 0; i < srv_worker_count; i++) {
        int st = 0;

        while (waitpid(srv_workers[i], &st, 0) < 0 && errno == EINTR) {
        }
        if (rc == SSOCK_EXIT_OK && WIFEXITED(st) && WEXITSTATUS(st) != SSOCK_EXIT_OK) {
            rc = WEXITSTATUS(st);
        }
    }
    srv_worker_count = 0;
    return rc;
}

/* Open the listening socket: every address ([::], as by default or with --listen PORT) falls
 * back to IPv4 on a host without IPv6. Then @p where is where it listens (the port the system
 * picked for port 0). */
static int srv_open(const srv_opts_t *o, srv_net_t *net, size_t count, sock_secure_ep_t *where)
{
    uint16_t port = o->tls ? SSOCK_DEFAULT_TLS_PORT : SSOCK_DEFAULT_PORT;
    int rc;

    if (o->listen != NULL && o->listen_any) {
        port = o->listen_ep.port;
    }
    if (o->listen != NULL && !o->listen_any) {
        *where = o->listen_ep;
        rc = srv_open_at(o, net, count, where);
    } else {
        sock_secure_ep_parse(where, "[::]", port);
        rc = srv_open_at(o, net, count, where);
        if (rc == -EAFNOSUPPORT || rc == -EADDRNOTAVAIL) {
            sock_secure_ep_parse(where, "0.0.0.0", port);
            rc = srv_open_at(o, net, count, where);
        }
    }
    if (rc < 0) {
        char ep[SOCK_SECURE_EP_STRLEN];

        ssock_error("cannot listen on %s (%s): %s", ssock_ep_str(where, ep, sizeof ep),
                    o->tls ? "TCP" : "UDP",
                    rc > -1000 ? strerror(-rc) : sock_secure_strerror(rc));
        return rc;
    }
    if (where->port == 0) {
        sock_secure_ep_t local;

        if (sock_secure_transport_local(o->tls ? &net->tcp.base : &net->udp.base, &local) == 0) {
            where->port = local.port;
        }
    }
    return 0;
}

/* create() refused --psk-hint because the backend cannot send one: say so, and name the backends
 * that can. @return whether that was the reason (and was reported). */
static bool srv_hint_refused(int err, const sock_secure_config_t *cfg)
{
    sock_secure_backend_info_t be, other;
    const char *name;
    char can[128] = "";
    size_t used = 0;

    if (err != -ENOTSUP || cfg->psk_hint == NULL || cfg->psk_hint[0] == '\0' ||
        sock_secure_backend_info(cfg->backend, &be) < 0 ||
        (be.caps & SOCK_SECURE_CAP_PSK_HINT) != 0) {
        return false;
    }
    for (size_t i = 0; (name = sock_secure_backend_name(i)) != NULL; i++) {
        int n;

        if (sock_secure_backend_info(name, &other) < 0 ||
            (other.caps & SOCK_SECURE_CAP_PSK_HINT) == 0) {
            continue;
        }
        n = snprintf(can + used, sizeof can - used, "%s%s", used ? ", " : "", other.name);
        if (n < 0 || (size_t)n >= sizeof can - used) {
            break;
        }
        used += (size_t)n;
    }
    ssock_error("cannot set up %s: --psk-hint: backend %s cannot send a PSK identity hint "
                "(%s); leave --psk-hint out%s%s", cfg->transport->flags & SOCK_SECURE_TRANSPORT_DATAGRAM ?
                "DTLS" : "TLS", be.name, sock_secure_strerror(err),
                used ? " or use --backend " : "", can);
    return true;
}

static int srv_run(srv_opts_t *o)
{
    srv_net_t net;
    sock_secure_ep_t where;
    sock_secure_t sock;
    sock_secure_config_t cfg;
    srv_t srv = { .opts = o, .count = o->max_sessions, .stream = o->tls };
    char ep[SOCK_SECURE_EP_STRLEN];
    int rc;

    memset(&net, 0, sizeof net);
    srv.slots = calloc(srv.count, sizeof *srv.slots);
    srv.flags = calloc(srv.count, sizeof *srv.flags);
    if (o->tls) {
        net.conns = calloc(srv.count + 1, sizeof *net.conns);
        srv.backlog = calloc(srv.count, sizeof *srv.backlog);
    }
    if (srv.slots == NULL || srv.flags == NULL ||
        (o->tls && (net.conns == NULL || srv.backlog == NULL))) {
        free(srv.slots);
        free(srv.flags);
        free(net.conns);
        free(srv.backlog);
        ssock_error("out of memory for %zu sessions", srv.count);
        return SSOCK_EXIT_IO;
    }
    srv.net = o->tls ? &net.tcp.base : &net.udp.base;
    rc = srv_open(o, &net, srv.count + 1, &where);
    if (rc == 0 && o->workers > 1 && srv_fork_workers(o, &net, srv.count + 1, &where) < 0) {
        sock_secure_transport_close(srv.net);
        rc = -1;
    }
    if (rc < 0) {
        free(srv.slots);
        free(srv.flags);
        free(net.conns);
        free(srv.backlog);
        return srv_stop_workers(SSOCK_EXIT_IO);
    }
    sock_secure_config_init(&cfg);
    cfg.role = SOCK_SECURE_SERVER;
    cfg.transport = srv.net;
    cfg.peer_error_cb = srv_peer_error;
    cfg.peer_error_arg = &srv;
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
    cfg.max_half_open = o->max_half_open;
    cfg.max_half_open_per_addr = o->max_per_addr;
    cfg.handshake_deadline_ms = o->hs_deadline_ms;
    cfg.handshake_stall_ms = o->hs_stall_ms;
    cfg.idle_timeout_ms = o->idle_timeout_ms;
    cfg.when_full = o->evict ? SOCK_SECURE_FULL_EVICT_LRU : SOCK_SECURE_FULL_REFUSE;
    cfg.refused_cb = srv_refused;
    cfg.refused_arg = &srv;
    cfg.resumption = o->tickets;
    cfg.renegotiation = o->renegotiation;
    rc = ssock_pick_backend(&cfg, o->tls, o->backend,
                            ssock_certs_caps(&o->certs) |
                                (o->tickets ? SOCK_SECURE_CAP_RESUMPTION : 0u) |
                                (o->renegotiation ? SOCK_SECURE_CAP_RENEGOTIATION : 0u));
    if (rc == SSOCK_EXIT_OK) {
        rc = ssock_certs_load(&o->certs, &cfg);
    }
    if (rc != SSOCK_EXIT_OK) {
        /* the error is printed */
    } else if ((rc = sock_secure_create(&sock, &cfg)) < 0) {
        rc = srv_hint_refused(rc, &cfg)
                 ? SSOCK_EXIT_USAGE
                 : ssock_create_failed(rc, o->suites.count > 0, &o->certs, o->tls, o->backend);
    } else {
        srv.sock = &sock;
        srv.start_ms = ssock_now_ms();
        (void)sock_secure_stats(&sock, &srv.seen);
        if (o->verbose || (o->listen != NULL && o->listen_ep.port == 0)) {
            sock_secure_backend_info_t be;
            bool known = sock_secure_backend_info(cfg.backend, &be) == 0;

            ssock_log("listening on %s (%s, %s, %zu session slots, %zu PSKs%s%s%s)",
                    ssock_ep_str(&where, ep, sizeof ep), o->tls ? "TLS over TCP" : "DTLS over UDP",
                    known ? be.name : "?", srv.count, o->keys.count,
                    o->certs.cert ? ", certificate " : o->certs.rpk ? ", raw public key " : "",
                    o->certs.cert ? o->certs.cert : o->certs.rpk ? o->certs.key : "",
                    o->workers > 1 ? ", SO_REUSEPORT" : "");
        }
        if (o->verbose) {
            ssock_log("limits: %lu handshakes at once, %lu per address, deadline "
                    "%lu ms, stall %lu ms, idle timeout %lu ms, when full: %s",
                    (unsigned long)(o->max_half_open ? o->max_half_open : srv.count),
                    (unsigned long)(o->max_per_addr ? o->max_per_addr
                                    : CONFIG_SOCK_SECURE_HALF_OPEN_PER_ADDR < srv.count
                                        ? CONFIG_SOCK_SECURE_HALF_OPEN_PER_ADDR
                                        : srv.count),
                    (unsigned long)o->hs_deadline_ms, (unsigned long)o->hs_stall_ms,
                    (unsigned long)o->idle_timeout_ms, o->evict ? "evict" : "refuse");
        }
        rc = srv_loop(&srv, &sock);
        if (o->tls && o->echo) {
            srv_flush_backlogs(&srv); /* what the connections take now; the rest is dropped */
        }
        srv_summary(&srv);
        sock_secure_close(&sock); /* close_notify to every open session */
    }
    ssock_certs_free(&o->certs);
    sock_secure_transport_close(srv.net);
    for (size_t i = 0; srv.backlog != NULL && i < srv.count; i++) {
        ssock_wipe(srv.backlog[i].buf, srv.backlog[i].buf ? SRV_ECHO_BACKLOG : 0);
        free(srv.backlog[i].buf);
    }
    ssock_wipe(srv.slots, srv.count * sizeof *srv.slots);
    free(srv.slots);
    free(srv.flags);
    free(net.conns);
    free(srv.backlog);
    return srv_stop_workers(rc);
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
