/**
 * @file client.c
 * @brief `ssock client`: connect to a DTLS server, send stdin line by line (one record per line),
 *        print every record received as one line; or (--tls) connect to a TLS server over TCP
 *        and copy stdin to it and what it sends to stdout, byte for byte.
 *
 * One poll() loop watches stdin and the transport and sleeps no longer than
 * sock_secure_next_timeout(), so reading stdin never stalls the session (retransmissions, replies).
 * After the end of stdin the client waits --timeout ms after the last reply, then sends
 * close_notify and exits 0.
 *
 * TLS: stdin is read in chunks into one buffer, which is sent as the session accepts it (a send
 * may take part of it, or nothing: the rest stays and is retried once the connection is
 * writable); stdin is read again only when the buffer is empty. Replies are read all the while,
 * so a server that echoes never waits on us. The quiet period after the end of stdin starts once
 * everything is sent, and any progress (bytes in, or output taken by the connection) restarts it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>

#include "ssock.h"

/** Longest single sleep, so a signal that lands just before poll() is seen soon. */
#define CLI_MAX_WAIT_MS 1000u

/** How long a send may wait for room in the socket's send buffer. */
#define CLI_SEND_WAIT_MS 1000

/** Pacing of bulk input: after this many records, pause CLI_PACE_PAUSE_MS (serving the socket).
 *  UDP has no flow control: a file piped in at full speed would overrun the receive buffer of a
 *  server that prints and echoes each record, and records would be lost. This caps the rate at
 *  about 8000 records/s, far above what a line-oriented tool needs. */
#define CLI_PACE_BURST    8u
#define CLI_PACE_PAUSE_MS 1u

/** TLS: reads per turn of the loop at most (see cli_pump). */
#define CLI_STREAM_READS_PER_TURN 64

/** cli_connect(): the dual-stack socket could not reach an IPv4 peer; retry with an IPv4 one. */
#define CLI_RETRY_V4 (-1)

typedef struct {
    const char *target;
    sock_secure_ep_t remote;
    ssock_keys_t keys;
    ssock_keys_t hint_keys; /* --psk-for-hint: the PSK for hint[i] is hint_keys.psk[i] */
    uint8_t hint[SSOCK_MAX_PSKS][CONFIG_SOCK_SECURE_PSK_ID_MAX];
    size_t hint_len[SSOCK_MAX_PSKS];
    ssock_certs_t certs;
    char host_name[256];    /* the host part of a HOST:PORT that is a name (default servername) */
    ssock_suites_t suites;
    const char *backend;    /* --backend NAME, NULL: the default one */
    uint32_t timeout_ms;
    uint32_t hs_timeout_ms; /* 0: the RFC 6347 retransmission budget alone */
    unsigned verbose;       /* -v: 1, -v -v: 2 (debug) */
    bool tls;               /* TLS over TCP */
    const char *session;    /* --session FILE: resume from it, save the session to it */
    bool renew;             /* --renew: renegotiate once, right after the handshake */
} cli_opts_t;

/** What the event callback saw. */
typedef struct {
    bool connected;
    bool peer_closed;
    int err;
    const cli_opts_t *o;
    unsigned renewed;       /* renegotiations completed (SOCK_SECURE_EV_RENEWED) */
} cli_events_t;

/** The session phase. */
typedef struct {
    const cli_opts_t *o;
    sock_secure_t *sock;
    sock_secure_session_t *s;
    sock_secure_transport_t *net;
    const sock_secure_udp_t *udp; /* DTLS only */
    cli_events_t *ev;
    size_t max_payload;
    uint8_t line[SSOCK_RECORD_MAX];
    size_t line_len;
    unsigned long line_no;
    unsigned long sent;     /* records (TLS: bytes) */
    unsigned long received; /* records (TLS: bytes) */
    uint64_t last_rx_ms;
    bool peer_closed;
    /* TLS */
    bool stream;
    uint8_t out[SSOCK_STREAM_CHUNK]; /* stdin bytes not yet accepted by the session */
    size_t out_off;
    size_t out_len;
    uint64_t last_tx_ms;    /* when the session or the connection last took output */
    uint64_t bytes_out;     /* the session's ciphertext bytes sent, last seen */
} cli_t;

/** The client's transport: UDP (an ICMP error about the server fails the session in the
 *  library: "connection refused" at once), or TCP with its one connection slot. */
typedef struct {
    sock_secure_udp_t udp;
    sock_secure_tcp_t tcp;
    sock_secure_tcp_conn_t conn;
} cli_net_t;

static void cli_usage(FILE *out)
{
    fprintf(out,
            "usage: ssock client [--tls] [--backend NAME] HOST:PORT\n"
            "                    (--psk IDENTITY:HEXKEY | --psk-file FILE |\n"
            "                     --psk-for-hint HINT=IDENTITY:HEXKEY... | --ca FILE |\n"
            "                     --rpk --peer-key FILE [--key FILE]) [options]\n"
            "\n"
            "Connect to a DTLS 1.2 server, send each line of stdin as one record (without the\n"
            "newline) and print each record received as one line on stdout. At the end of stdin,\n"
            "wait for replies until --timeout ms pass without one, then close (close_notify).\n"
            "\n"
            "With --tls: connect to a TLS 1.2 server over TCP instead. stdin is sent as a byte\n"
            "stream, exactly as read (any bytes, no line splitting), and what the server sends\n"
            "is written to stdout exactly as received (no newlines added). At the end of stdin,\n"
            "once everything is sent, wait until --timeout ms pass without a byte either way,\n"
            "then close (close_notify).\n"
            "\n"
            "HOST:PORT: 192.0.2.1:5684, [2001:db8::1]:5684, localhost:5684 or name:5684\n"
            "           (the port defaults to %d, with --tls to %d; an IPv6 address needs\n"
            "           brackets: ::1:5684 is refused)\n"
            "\n"
            "options:\n"
            "  --tls              TLS 1.2 over TCP instead of DTLS 1.2 over UDP\n"
            "  --backend NAME     the (D)TLS stack to use, e.g. mbedtls, wolfssl or gnutls\n"
            "                     (default: the first one 'ssock --version' lists that can\n"
            "                     do it)\n"
            "  --psk ID:HEXKEY    the pre-shared key (1..%d bytes as an even number of hex digits)\n"
            "  --psk-file FILE    the key from FILE: its first ID:HEXKEY line (blank lines and\n"
            "                     '#' comments skipped); FILE must be mode 0600 or stricter\n"
            "  --psk-for-hint HINT=ID:HEXKEY  offer this key to a server whose PSK identity\n"
            "                     hint (RFC 4279) is HINT (up to the first '='); repeatable.\n"
            "                     A server with another hint or none gets --psk (or\n"
            "                     SSOCK_PSK) if given, else the handshake fails. Needs a\n"
            "                     backend with PSK_FOR_HINT (not mbedtls)\n"
            "  --ca FILE          CA certificate(s) the server's certificate must chain to\n"
            "  --cert FILE        our certificate (chain), for servers that ask for one\n"
            "  --key FILE         its private key: EC P-256, PEM or DER, SEC1 or PKCS#8\n"
            "  --rpk              raw public keys (RFC 7250): the server is known by its key\n"
            "                     (--peer-key), ours is --key alone (no --cert)\n"
            "  --peer-key FILE    with --rpk: the server's public key (PEM or DER\n"
            "                     SubjectPublicKeyInfo); repeatable, any of them is taken\n"
            "  --verify MODE      the server's certificate: required (default), optional\n"
            "                     (checked; a failure is a warning, not an error) or none\n"
            "  --servername NAME  the name the server's certificate must carry, also sent as\n"
            "                     SNI (default: HOST if it is a name; for an address, e.g.\n"
            "                     127.0.0.1 or localhost, the certificate must carry that\n"
            "                     address as an IP subjectAltName). --servername '' checks\n"
            "                     no identity at all: any certificate the CA issued is\n"
            "                     accepted (a warning says so)\n"
            "  --ciphers LIST     suites to offer, comma-separated IANA or OpenSSL names\n"
            "                     (default: the CoAP suites of the credentials given)\n"
            "  --timeout MS       wait this long for replies after the end of input (default %d)\n"
            "  --handshake-timeout MS  give up the handshake after MS (default: when the\n"
            "                     retransmission budget, about two minutes, runs out; with\n"
            "                     --tls %d, the TCP connect included)\n"
            "  --session FILE     resume the session saved in FILE (an abbreviated handshake\n"
            "                     if the server still knows it, else a full one), and save\n"
            "                     the new one there (mode 0600: it holds the session's\n"
            "                     master secret; a missing or empty FILE is a first run)\n"
            "  --renew            renegotiate once right after the handshake (RFC 5746\n"
            "                     secure renegotiation; the server must allow it), and wait\n"
            "                     until the new keys are in use before sending\n"
            "  -v                 report the handshake (each retransmission with the next\n"
            "                     timeout) and the close on stderr\n"
            "  -v -v, -vv         also the session's counters at the close\n"
            "  -h, --help         this text\n"
            "\n"
            "Without --psk or --psk-file, the environment variable SSOCK_PSK=ID:HEXKEY gives\n"
            "the key. A key shorter than %d bytes is taken with a warning; no key is ever\n"
            "printed.\n"
            "\n"
            "DTLS: a line longer than the largest record the session can carry is an error.\n"
            "Nothing listening on the server's port (the host answers ICMP port unreachable,\n"
            "or TCP refuses) is reported at once: \"cannot connect to HOST:PORT: connection\n"
            "refused\".\n"
            "exit status: 0 ok; 1 usage error, or options the backend cannot honour (a suite\n"
            "it lacks, a key that does not belong to its certificate); 2 handshake failed (also\n"
            "the server closing the session or connection during the handshake); 3 no answer:\n"
            "connection refused, or timed out (TLS: also the server not taking our data for\n"
            "--timeout ms); 4 other error (TLS: also a connection that ends without\n"
            "close_notify)\n",
            SSOCK_DEFAULT_PORT, SSOCK_DEFAULT_TLS_PORT, CONFIG_SOCK_SECURE_PSK_KEY_MAX,
            SSOCK_DEFAULT_REPLY_TIMEOUT_MS, SSOCK_DEFAULT_TLS_HANDSHAKE_MS, SSOCK_PSK_MIN_BYTES);
}

/* --psk-for-hint HINT=ID:HEXKEY: the hint up to the first '=', the rest as --psk (its key digits
 * wiped from the arguments whatever happens). @return 0, or -1 after a usage error. */
static int cli_parse_hint(const char *cmd, cli_opts_t *o, char *text)
{
    char *eq = strchr(text, '=');
    size_t slot = o->hint_keys.count;
    size_t len = eq != NULL ? (size_t)(eq - text) : 0;

    if (eq == NULL || len == 0 || len > CONFIG_SOCK_SECURE_PSK_ID_MAX) {
        memset(text, 'x', strlen(text)); /* the key may be in there */
        if (eq == NULL) {
            ssock_usage_error(cmd, "--psk-for-hint: expected HINT=ID:HEXKEY");
        } else if (len == 0) {
            ssock_usage_error(cmd, "--psk-for-hint: an empty HINT (a server that sends none "
                              "gets --psk)");
        } else {
            ssock_usage_error(cmd, "--psk-for-hint: the hint must be 1 to %d bytes (got %zu)",
                              CONFIG_SOCK_SECURE_PSK_ID_MAX, len);
        }
        return -1;
    }
    for (size_t i = 0; i < slot; i++) {
        if (o->hint_len[i] == len && memcmp(o->hint[i], text, len) == 0) {
            memset(eq + 1, 'x', strlen(eq + 1));
            ssock_usage_error(cmd, "--psk-for-hint: hint '%.*s' given twice", (int)len, text);
            return -1;
        }
    }
    if (ssock_parse_psk_opt(cmd, &o->hint_keys, eq + 1, "--psk-for-hint") < 0) {
        return -1;
    }
    memcpy(o->hint[slot], text, len);
    o->hint_len[slot] = len;
    return 0;
}

/* psk_for_hint: the key of the --psk-for-hint whose HINT the server sent; without a match the
 * --psk (1: the library offers psk[0]), else the handshake fails with a message. The hint is no
 * secret (it travels in the clear); -v reports the choice, never a key. */
static int cli_psk_for_hint(void *arg, const sock_secure_ep_t *server, const uint8_t *hint,
                            size_t hint_len, sock_secure_psk_t *psk)
{
    const cli_opts_t *o = arg;
    char shown[4 * CONFIG_SOCK_SECURE_PSK_ID_MAX + 3];
    char id[4 * CONFIG_SOCK_SECURE_PSK_ID_MAX + 3];

    (void)server;
    shown[0] = '\0';
    id[0] = '\0';
    ssock_quote(shown, sizeof shown, hint, hint_len);
    for (size_t i = 0; hint != NULL && i < o->hint_keys.count; i++) {
        if (o->hint_len[i] == hint_len && memcmp(o->hint[i], hint, hint_len) == 0) {
            *psk = o->hint_keys.psk[i];
            if (o->verbose) {
                ssock_quote(id, sizeof id, psk->identity, psk->identity_len);
                fprintf(stderr, "ssock: the server's PSK identity hint \"%s\": offering identity "
                        "\"%s\"\n", shown, id);
            }
            return 0;
        }
    }
    if (o->keys.count > 0) {
        if (o->verbose) {
            ssock_quote(id, sizeof id, o->keys.psk[0].identity, o->keys.psk[0].identity_len);
            fprintf(stderr, "ssock: the server's PSK identity hint %s%s%s: no --psk-for-hint for "
                    "it, offering identity \"%s\" (--psk)\n", hint ? "\"" : "",
                    hint ? shown : "(none)", hint ? "\"" : "", id);
        }
        return 1;
    }
    ssock_error("the server's PSK identity hint %s%s%s matches no --psk-for-hint, and there is "
                "no --psk to offer instead", hint ? "\"" : "", hint ? shown : "(none)",
                hint ? "\"" : "");
    return SOCK_SECURE_E_PSK_IDENTITY;
}

/* Parse the options. @return -1 to go on, else the exit status to return. */
static int cli_parse(cli_opts_t *o, int argc, char **argv)
{
    ssock_args_t a = { argc, argv, 1, "client" };
    const char *target = NULL;

    memset(o, 0, sizeof *o);
    o->timeout_ms = SSOCK_DEFAULT_REPLY_TIMEOUT_MS;
    while (a.i < argc) {
        char *val = NULL;
        int m;

        if ((m = ssock_opt(&a, "--psk", &val)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            if (o->keys.count > 0) {
                memset(val, 'x', strlen(val));
                return ssock_usage_error(a.cmd, "--psk: a client uses one key");
            }
            if (ssock_parse_psk(a.cmd, &o->keys, val) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--psk-file", &val)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            if (o->keys.count > 0) {
                return ssock_usage_error(a.cmd, "--psk-file: a client uses one key");
            }
            if (ssock_psk_file(a.cmd, &o->keys, val, true) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--psk-for-hint", &val)) != 0) {
            if (m < 0 || cli_parse_hint(a.cmd, o, val) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_cert_opt(&a, &o->certs, true)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--ciphers", &val)) != 0) {
            if (m < 0 || ssock_parse_ciphers(a.cmd, &o->suites, val) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--timeout", &val)) != 0) {
            if (m < 0 || ssock_parse_u32(a.cmd, "--timeout", val, 0, 86400000u,
                                         &o->timeout_ms) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "--handshake-timeout", &val)) != 0) {
            if (m < 0 || ssock_parse_u32(a.cmd, "--handshake-timeout", val, 1, 86400000u,
                                         &o->hs_timeout_ms) < 0) {
                return SSOCK_EXIT_USAGE;
            }
        } else if ((m = ssock_opt(&a, "-v", NULL)) != 0 ||
                   (m = 2 * ssock_opt(&a, "-vv", NULL)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->verbose += (unsigned)m;
        } else if ((m = ssock_opt(&a, "--tls", NULL)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->tls = true;
        } else if ((m = ssock_opt(&a, "--renew", NULL)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->renew = true;
        } else if ((m = ssock_opt(&a, "--session", &val)) != 0) {
            if (m < 0) {
                return SSOCK_EXIT_USAGE;
            }
            if (val[0] == '\0') {
                return ssock_usage_error(a.cmd, "--session needs a file name");
            }
            o->session = val;
        } else if ((m = ssock_opt(&a, "--backend", &val)) != 0) {
            if (m < 0 || ssock_parse_backend(a.cmd, val) < 0) {
                return SSOCK_EXIT_USAGE;
            }
            o->backend = val;
        } else if (argv[a.i][0] == '-' && argv[a.i][1] != '\0') {
            return ssock_usage_error(a.cmd, "unknown option '%s'", argv[a.i]);
        } else if (target != NULL) {
            return ssock_usage_error(a.cmd, "unexpected argument '%s' (the server is '%s')",
                                     argv[a.i], target);
        } else {
            target = argv[a.i++];
        }
    }
    if (target == NULL) {
        return ssock_usage_error(a.cmd, "missing HOST:PORT of the server");
    }
    if (o->certs.rpk) {
        if (o->certs.cert != NULL) {
            return ssock_usage_error(a.cmd, "--rpk: our identity is the key alone (no --cert)");
        }
        if (o->certs.peer_key_count == 0) {
            return ssock_usage_error(a.cmd, "--rpk needs --peer-key FILE (the server's public "
                                     "key, PEM or DER SubjectPublicKeyInfo)");
        }
    } else if ((o->certs.cert != NULL) != (o->certs.key != NULL)) {
        return ssock_usage_error(a.cmd, o->certs.cert ? "--cert needs --key (its private key)"
                                                      : "--key needs --cert (or --rpk: the key "
                                                        "alone as a raw public key)");
    } else if (o->certs.peer_key_count > 0) {
        return ssock_usage_error(a.cmd, "--peer-key needs --rpk (a raw public key server)");
    }
    if (o->keys.count == 0 && ssock_psk_env(a.cmd, &o->keys) < 0) {
        return SSOCK_EXIT_USAGE;
    }
    if (o->keys.count == 0 && o->hint_keys.count == 0 && o->certs.ca == NULL &&
        o->certs.peer_key_count == 0 && o->certs.verify != SOCK_SECURE_VERIFY_NONE) {
        return ssock_usage_error(a.cmd, "--psk IDENTITY:HEXKEY (or --psk-file FILE, or "
                                 SSOCK_PSK_ENV ") or --ca FILE (to verify the server's "
                                 "certificate) is required");
    }
    if (o->certs.ca == NULL && o->certs.peer_key_count == 0 &&
        (o->certs.verify == SOCK_SECURE_VERIFY_OPTIONAL ||
         o->certs.verify == SOCK_SECURE_VERIFY_REQUIRED)) {
        return ssock_usage_error(a.cmd, "--verify %s needs --ca FILE",
                                 o->certs.verify == SOCK_SECURE_VERIFY_OPTIONAL ? "optional"
                                                                                : "required");
    }
    if (ssock_resolve(a.cmd, target, o->tls ? SSOCK_DEFAULT_TLS_PORT : SSOCK_DEFAULT_PORT,
                      &o->remote) < 0) {
        return SSOCK_EXIT_USAGE;
    }
    o->target = target;
    if (o->tls && o->hs_timeout_ms == 0) {
        o->hs_timeout_ms = SSOCK_DEFAULT_TLS_HANDSHAKE_MS; /* TCP: nothing else ends a wait */
    }
    if (o->certs.server_name == NULL) {
        /* a host name (not an address literal) is the name the certificate must carry */
        sock_secure_ep_t numeric;
        const char *colon = strrchr(target, ':');
        size_t n = colon ? (size_t)(colon - target) : strlen(target);

        if (sock_secure_ep_parse(&numeric, target, SSOCK_DEFAULT_PORT) < 0 && n > 0 &&
            n < sizeof o->host_name) {
            memcpy(o->host_name, target, n);
            o->host_name[n] = '\0';
            o->certs.server_name = o->host_name;
        }
    }
    if (o->certs.server_name != NULL && o->certs.server_name[0] == '\0' &&
        o->certs.ca != NULL && o->certs.verify != SOCK_SECURE_VERIFY_NONE) {
        fprintf(stderr, "ssock: warning: --servername '': the server's identity is not checked "
                "(any certificate issued by --ca %s is accepted)\n", o->certs.ca);
    }
    return -1;
}

static void cli_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev,
                      int err, void *arg)
{
    cli_events_t *e = arg;

    (void)sock;
    (void)s;
    if (ev == SOCK_SECURE_EV_CONNECTED) {
        e->connected = true;
    } else if (ev == SOCK_SECURE_EV_CLOSED) {
        e->peer_closed = true;
    } else if (ev == SOCK_SECURE_EV_ERROR && e->err == 0) {
        e->err = err;
    } else if (ev == SOCK_SECURE_EV_RENEWED) {
        e->renewed++;
    }
}

/* Print why the handshake failed and free the slot. @return the exit status. */
static int cli_handshake_failed(const cli_opts_t *o, const sock_secure_config_t *cfg,
                                sock_secure_session_t *s, int err)
{
    sock_secure_session_info_t info;
    bool have_info = s != NULL && sock_secure_session_info(s, &info) == 0;
    char why[160];

    if (have_info && info.last_error != 0) {
        err = info.last_error;
    }
    if (o->tls && err == -ETIMEDOUT) {
        ssock_error("no answer from %s within %lu ms (--handshake-timeout)", o->target,
                    (unsigned long)o->hs_timeout_ms);
    } else if (o->tls && (err == -EPIPE || err == -ECONNRESET)) {
        /* connected, then the server hung up: it refused us (full, not a TLS server, or it
         * could not decrypt our Finished: OpenSSL closes then) */
        ssock_error("handshake failed with %s: the server %s the connection%s", o->target,
                    err == -EPIPE ? "closed" : "reset",
                    o->keys.count > 0 && have_info && info.bytes_in > 0 ? " (wrong PSK?)" : "");
        err = SOCK_SECURE_E_HANDSHAKE;
    } else if (err == SOCK_SECURE_E_PEER_CLOSED) {
        /* close_notify before the handshake ended: some servers answer a Finished they cannot
         * decrypt so, instead of an alert */
        ssock_error("handshake failed with %s: the server closed the session (close_notify) "
                    "during the handshake%s", o->target,
                    o->keys.count > 0 ? " (wrong PSK?)" : "");
        err = SOCK_SECURE_E_HANDSHAKE;
    } else if (!o->tls && (err == -ETIMEDOUT || err == -ECONNREFUSED) && have_info &&
               info.datagrams_in >= 2) {
        /* The server got past the cookie exchange (more than a HelloVerifyRequest came back),
         * then went silent: a DTLS server silently drops a Finished it cannot decrypt
         * (RFC 6347 §4.1.2.7; OpenSSL does), so count it as a failed handshake. Or its port
         * closed then (ICMP: connection refused): a server that ends after a failed handshake
         * (openssl s_server drops such a Finished and exits) - the same failure. */
        ssock_error("handshake failed with %s: the server answered, then stopped (%lu "
                    "retransmissions): wrong PSK? (DTLS servers drop what they cannot decrypt)",
                    o->target, (unsigned long)info.retransmits);
        err = SOCK_SECURE_E_HANDSHAKE;
    } else if (!o->tls && err == -ECONNREFUSED) {
        ssock_error("cannot connect to %s: connection refused (no server listens on that UDP "
                    "port)", o->target);
    } else if (err < 0 && err > -1000 && err != -ETIMEDOUT) {
        /* TLS: the connection failed; DTLS: the network's answer (ICMP: no route...) */
        ssock_error("cannot connect to %s: %s", o->target, ssock_strerror(err, o->tls));
    } else if (err == -ETIMEDOUT) {
        ssock_error("no answer from %s after %lu retransmissions", o->target,
                    (unsigned long)(have_info && info.retransmits > 0 ? info.retransmits
                                                                     : cfg->hs_max_retransmit));
    } else if (err == SOCK_SECURE_E_VERIFY && have_info &&
               info.verify == SOCK_SECURE_VFY_NAME_MISMATCH && o->certs.server_name == NULL) {
        ssock_describe_failure(&info, err, o->tls, why, sizeof why);
        ssock_error("handshake failed with %s: %s: the certificate does not carry this address "
                    "as an IP subjectAltName (--servername NAME checks a name instead)",
                    o->target, why);
    } else {
        ssock_describe_failure(have_info ? &info : NULL, err, o->tls, why, sizeof why);
        ssock_error("handshake failed with %s: %s", o->target, why);
    }
    if (have_info) {
        sock_secure_session_close(s);
    }
    return ssock_exit_status(err);
}

/* --session FILE: the saved session, read into @p buf. @return its length, 0 if there is none
 * (no file, an empty one) or it cannot be read (said on stderr: a full handshake follows). */
static size_t cli_session_load(const char *path, uint8_t *buf, size_t max)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (errno != ENOENT) {
            fprintf(stderr, "ssock: warning: --session %s: %s; a full handshake\n", path,
                    strerror(errno));
        }
        return 0;
    }
    size_t n = 0;
    ssize_t r;
    while (n < max && (r = read(fd, buf + n, max - n)) > 0) {
        n += (size_t)r;
    }
    uint8_t more;
    if (n == max && read(fd, &more, 1) > 0) {
        fprintf(stderr, "ssock: warning: --session %s: larger than a session; a full handshake\n",
                path);
        ssock_wipe(buf, max);
        n = 0;
    }
    close(fd);
    return n;
}

/* --session FILE: save @p s's session (mode 0600, written to FILE.tmp and renamed over FILE, so
 * a crash never leaves half a session). @return 0, or -1 (said on stderr). */
static int cli_session_save(const char *path, sock_secure_session_t *s)
{
    static uint8_t blob[SOCK_SECURE_SESSION_EXPORT_MAX];
    char tmp[4096];
    int len = sock_secure_session_export(s, blob, sizeof blob);
    if (len < 0) {
        fprintf(stderr, "ssock: warning: --session %s: cannot export the session: %s\n", path,
                sock_secure_strerror(len));
        return -1;
    }
    int rc = -1;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) < sizeof tmp) {
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0) {
            bool ok = write(fd, blob, (size_t)len) == len;
            ok = close(fd) == 0 && ok;
            rc = ok && rename(tmp, path) == 0 ? 0 : -1;
            if (rc < 0) {
                (void)unlink(tmp);
            }
        }
    }
    if (rc < 0) {
        fprintf(stderr, "ssock: warning: --session %s: cannot save the session: %s\n", path,
                strerror(errno));
    }
    ssock_wipe(blob, sizeof blob);
    return rc;
}

static int cli_pump(cli_t *c);

/* --renew: renegotiate, reading (and printing) records meanwhile, until the new keys are in use.
 * @return 0, or the exit status (error printed). */
static int cli_renew(cli_t *c)
{
    uint32_t limit = c->o->hs_timeout_ms ? c->o->hs_timeout_ms : SSOCK_DEFAULT_TLS_HANDSHAKE_MS;
    uint64_t end = ssock_now_ms() + limit;
    int rc = sock_secure_renew(c->s);

    if (rc < 0) {
        ssock_error("cannot renegotiate with %s: %s", c->o->target, rc == -ENOTSUP
                    ? "the backend cannot (see 'ssock --version')" : sock_secure_strerror(rc));
        return rc == -ENOTSUP ? SSOCK_EXIT_USAGE : ssock_exit_status(rc);
    }
    while (c->ev->renewed == 0) {
        if ((rc = cli_pump(c)) != 0) {
            return rc;
        }
        if (c->ev->renewed > 0) {
            break;
        }
        if (c->peer_closed || ssock_interrupted || ssock_now_ms() >= end) {
            ssock_error("renegotiation with %s did not complete", c->o->target);
            return SSOCK_EXIT_HANDSHAKE;
        }
        uint32_t t = sock_secure_next_timeout(c->sock);
        (void)sock_secure_transport_wait(c->net, t < 50 ? t : 50);
    }
    if (c->o->verbose) {
        fprintf(stderr, "ssock: renegotiated with %s: new keys in use\n", c->o->target);
    }
    return 0;
}

/*
 * Run the handshake without blocking (so SIGINT is seen). @return 0 when established, CLI_RETRY_V4
 * if @p may_retry and the transport failed at once, else the exit status (error printed).
 */
static int cli_connect(const cli_opts_t *o, const sock_secure_config_t *cfg, sock_secure_t *sock,
                       sock_secure_transport_t *net, cli_events_t *ev, sock_secure_session_t **s, bool may_retry)
{
    sock_secure_session_info_t info;
    uint64_t start = sock_secure_platform_now_ms(NULL);
    uint32_t retransmits = 0;
    int rc;

    *s = NULL;
    if (o->verbose && !o->tls) {
        sock_secure_backend_info_t be;
        bool known = sock_secure_backend_info(cfg->backend, &be) == 0;
        fprintf(stderr, "ssock: connecting to %s (DTLS, %s): first timeout %lu ms, at most %lu "
                "retransmissions\n", o->target, known ? be.name : "?",
                (unsigned long)cfg->hs_timeout_initial_ms, (unsigned long)cfg->hs_max_retransmit);
    }
    if (o->session != NULL) {
        static uint8_t blob[SOCK_SECURE_SESSION_EXPORT_MAX];
        size_t len = cli_session_load(o->session, blob, sizeof blob);
        rc = len > 0 ? sock_secure_connect_resume(sock, &o->remote, NULL, blob, len, s, 0)
                     : -ENOENT;
        ssock_wipe(blob, sizeof blob);
        if (rc == -EINVAL) {
            fprintf(stderr, "ssock: warning: --session %s: not a session of this backend; a full "
                    "handshake\n", o->session);
        }
        if (rc == -EINVAL || rc == -ENOENT) {
            rc = sock_secure_connect(sock, &o->remote, s, 0);
        }
    } else {
        rc = sock_secure_connect(sock, &o->remote, s, 0);
    }
    if (rc == 0) {
        return 0;
    }
    if (rc != -EINPROGRESS) {
        if (may_retry && ssock_exit_status(rc) == SSOCK_EXIT_IO) {
            return CLI_RETRY_V4;
        }
        return cli_handshake_failed(o, cfg, *s, rc);
    }
    for (;;) {
        uint32_t t;

        if (ssock_interrupted) {
            if (*s != NULL && sock_secure_session_info(*s, &info) == 0) {
                sock_secure_session_close(*s);
            }
            return SSOCK_EXIT_OK;
        }
        rc = sock_secure_process(sock);
        if (rc < 0) {
            if (may_retry) {
                return CLI_RETRY_V4;
            }
            ssock_error("cannot reach %s: %s", o->target, ssock_strerror(rc, o->tls));
            return ssock_exit_status(rc);
        }
        if (sock_secure_session_info(*s, &info) == 0) {
            if (info.state == SOCK_SECURE_ST_OPEN) {
                return 0;
            }
            if (o->verbose && info.state == SOCK_SECURE_ST_HANDSHAKE &&
                info.retransmits != retransmits) {
                retransmits = info.retransmits;
                fprintf(stderr, "ssock: %s: no reply in time: handshake flight sent again (%lu "
                        "of %lu), next timeout %lu ms\n", o->target, (unsigned long)retransmits,
                        (unsigned long)cfg->hs_max_retransmit,
                        (unsigned long)sock_secure_next_timeout(sock));
            }
            if (info.state == SOCK_SECURE_ST_CLOSED) {
                return cli_handshake_failed(o, cfg, *s, ev->err ? ev->err : info.last_error);
            }
        } else {
            /* The slot was freed: only the event knows why. */
            return cli_handshake_failed(o, cfg, NULL, ev->err ? ev->err : -ETIMEDOUT);
        }
        if (o->hs_timeout_ms > 0 &&
            sock_secure_platform_now_ms(NULL) - start >= o->hs_timeout_ms) {
            return cli_handshake_failed(o, cfg, *s, -ETIMEDOUT);
        }
        t = sock_secure_next_timeout(sock);
        if (t > 0) {
            rc = ssock_wait(net, -1, t < CLI_MAX_WAIT_MS ? t : CLI_MAX_WAIT_MS, NULL);
            if (rc < 0) {
                ssock_error("poll failed: %s", strerror(-rc));
                return SSOCK_EXIT_IO;
            }
        }
    }
}

/* Process input and print every record that is ready. @return 0 or an exit status (printed). */
static int cli_pump(cli_t *c)
{
    uint8_t buf[SSOCK_STREAM_CHUNK > SSOCK_RECORD_MAX ? SSOCK_STREAM_CHUNK : SSOCK_RECORD_MAX];
    int rc = sock_secure_process(c->sock);

    if (rc < 0) {
        ssock_error("the %s socket failed: %s", c->stream ? "TCP" : "UDP",
                    sock_secure_strerror(rc));
        return ssock_exit_status(rc);
    }
    /* TLS: a bounded number of reads, so that sending gets its turn while replies pour in */
    for (int turn = 0; !c->stream || turn < CLI_STREAM_READS_PER_TURN; turn++) {
        sock_secure_session_t *s = c->s;
        int n = sock_secure_session_recv(s, buf, c->stream ? sizeof buf : SSOCK_RECORD_MAX, 0);

        if (n >= 0 && c->stream) {
            c->received += (unsigned long)n;
            c->last_rx_ms = ssock_now_ms();
            if (ssock_write_raw(buf, (size_t)n) < 0) {
                ssock_error("cannot write to stdout");
                return SSOCK_EXIT_IO;
            }
        } else if (n >= 0) {
            c->received++;
            c->last_rx_ms = ssock_now_ms();
            if (ssock_print_record(buf, (size_t)n, NULL) < 0) {
                ssock_error("cannot write to stdout");
                return SSOCK_EXIT_IO;
            }
        } else if (n == -EAGAIN) {
            break;
        } else if (n == SOCK_SECURE_E_PEER_CLOSED) {
            c->peer_closed = true;
            break;
        } else if (n == -ECONNREFUSED && !c->stream) {
            /* the network answered our last record with ICMP port unreachable */
            ssock_error("session with %s failed: connection refused (the server is gone: nothing "
                        "listens on its UDP port now)", c->o->target);
            return ssock_exit_status(n);
        } else {
            char why[160];
            sock_secure_session_info_t info;
            bool have_info = sock_secure_session_info(c->s, &info) == 0;

            ssock_describe_failure(have_info ? &info : NULL, n, c->stream, why, sizeof why);
            ssock_error("session with %s failed: %s", c->o->target, why);
            return ssock_exit_status(n);
        }
    }
    if (c->ev->peer_closed) {
        c->peer_closed = true;
    }
    return 0;
}

/* Send the current line as one record. @return 0 or an exit status (printed). */
static int cli_send_line(cli_t *c)
{
    int rc;

    c->line_no++;
    if (c->line_len == 0) {
        return 0; /* an empty line is an empty record: nothing to send */
    }
    for (int attempt = 0; attempt < 2; attempt++) {
        rc = sock_secure_session_send(c->s, c->line, c->line_len);
        if (rc != -EAGAIN) {
            break;
        }
        struct pollfd p = { .fd = c->udp->fd, .events = POLLOUT, .revents = 0 };

        (void)poll(&p, 1, CLI_SEND_WAIT_MS);
    }
    c->line_len = 0;
    if (rc < 0) {
        ssock_error("cannot send line %lu: %s", c->line_no, sock_secure_strerror(rc));
        return ssock_exit_status(rc);
    }
    c->sent++;
    if (c->sent % CLI_PACE_BURST == 0) {
        (void)ssock_wait_fds(c->udp->fd, -1, CLI_PACE_PAUSE_MS, NULL);
    }
    /* Read replies now, so a long input does not overflow our receive buffer. */
    return cli_pump(c);
}

/* Split what stdin gave into lines and send them. @return 0 or an exit status (printed). */
static int cli_take_input(cli_t *c, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int rc;

        if (data[i] == '\n') {
            if ((rc = cli_send_line(c)) != 0) {
                return rc;
            }
            if (c->peer_closed) {
                return 0;
            }
        } else if (c->line_len >= c->max_payload) {
            ssock_error("line %lu is longer than %zu bytes, the largest record this session "
                        "can carry", c->line_no + 1, c->max_payload);
            return ssock_exit_status(-EMSGSIZE);
        } else {
            c->line[c->line_len++] = data[i];
        }
    }
    return 0;
}

/* TLS: hand the stdin bytes not sent yet to the session, as many as it takes now (a send may
 * take part of them, or none: the rest waits for the connection to take more). Nothing is
 * dropped, repeated or reordered. @return 0 or an exit status (printed). */
static int cli_send_out(cli_t *c)
{
    while (c->out_len > 0) {
        int rc = sock_secure_session_send(c->s, c->out + c->out_off, c->out_len);

        if (rc > 0) {
            c->out_off += (size_t)rc;
            c->out_len -= (size_t)rc;
            c->sent += (unsigned long)rc;
            c->last_tx_ms = ssock_now_ms();
        } else if (rc == -EAGAIN || rc == 0) {
            break;
        } else {
            char why[160];
            sock_secure_session_info_t info;
            bool have_info = sock_secure_session_info(c->s, &info) == 0;

            ssock_describe_failure(have_info ? &info : NULL, rc, true, why, sizeof why);
            ssock_error("cannot send to %s: %s", c->o->target, why);
            return ssock_exit_status(rc);
        }
    }
    if (c->out_len == 0) {
        c->out_off = 0;
    }
    return 0;
}

/* TLS: note when the connection last took output the session had queued (a send counts a whole
 * record as taken before the connection has it). */
static void cli_note_output(cli_t *c)
{
    sock_secure_session_info_t info;

    if (sock_secure_session_info(c->s, &info) == 0 && info.bytes_out != c->bytes_out) {
        c->bytes_out = info.bytes_out;
        c->last_tx_ms = ssock_now_ms();
    }
}

/*
 * TLS: the quiet period after the end of stdin ran out. Done, unless output is still queued
 * because the server stopped reading (then its delivery cannot be vouched for: exit 3).
 * @return -1 to go on (something moved at the last moment), else the exit status.
 */
static int cli_stream_quiet(cli_t *c)
{
    uint64_t rx = c->last_rx_ms;
    uint64_t tx = c->last_tx_ms;
    int rc;

    (void)sock_secure_transport_wait(c->net, 0); /* let the transport see whether the connection takes output */
    if ((rc = cli_pump(c)) != 0) {
        return rc;
    }
    cli_note_output(c);
    if (c->peer_closed || c->last_rx_ms != rx || c->last_tx_ms != tx) {
        return -1;
    }
    if (ssock_output_blocked(c->net)) {
        ssock_error("%s did not take our output for %lu ms: giving up, not everything was "
                    "delivered", c->o->target, (unsigned long)c->o->timeout_ms);
        return SSOCK_EXIT_TIMEOUT;
    }
    return SSOCK_EXIT_OK;
}

/* The session: stdin to the peer, the peer to stdout. @return the exit status. */
static int cli_session(cli_t *c)
{
    uint8_t chunk[4096];
    bool in_open = true;
    uint64_t eof_ms = 0;
    int rc;

    for (;;) {
        uint32_t t;
        bool in_ready = false;
        bool want_in;

        if (ssock_interrupted) {
            return SSOCK_EXIT_OK;
        }
        if ((rc = cli_pump(c)) != 0) {
            return rc;
        }
        if (c->peer_closed) {
            /* A graceful close (close_notify) is not a failure; say so if input was left. */
            bool left = in_open || c->out_len > 0;

            if (left || c->o->verbose) {
                fprintf(stderr, "ssock: %s closed the session%s\n", c->o->target,
                        left ? " (input not sent)" : "");
            }
            return SSOCK_EXIT_OK;
        }
        if (c->stream) {
            if ((rc = cli_send_out(c)) != 0) {
                return rc;
            }
            cli_note_output(c);
        }
        t = sock_secure_next_timeout(c->sock);
        if (!in_open && c->out_len == 0) {
            uint64_t quiet_from = c->last_rx_ms > eof_ms ? c->last_rx_ms : eof_ms;
            uint64_t elapsed;

            quiet_from = c->last_tx_ms > quiet_from ? c->last_tx_ms : quiet_from;
            elapsed = ssock_now_ms() - quiet_from;
            if (elapsed >= c->o->timeout_ms) {
                if (!c->stream) {
                    return SSOCK_EXIT_OK;
                }
                if ((rc = cli_stream_quiet(c)) >= 0) {
                    return rc;
                }
                continue;
            }
            if (c->o->timeout_ms - elapsed < t) {
                t = (uint32_t)(c->o->timeout_ms - elapsed);
            }
        }
        if (t > CLI_MAX_WAIT_MS) {
            t = CLI_MAX_WAIT_MS;
        }
        /* TLS: no more stdin until what was read is sent (the socket's pace sets ours) */
        want_in = in_open && c->out_len == 0;
        rc = ssock_wait(c->net, want_in ? STDIN_FILENO : -1, t, &in_ready);
        if (rc < 0) {
            ssock_error("poll failed: %s", strerror(-rc));
            return SSOCK_EXIT_IO;
        }
        if (!in_ready) {
            continue;
        }
        ssize_t n = c->stream ? read(STDIN_FILENO, c->out, sizeof c->out)
                              : read(STDIN_FILENO, chunk, sizeof chunk);

        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            ssock_error("cannot read stdin: %s", strerror(errno));
            return SSOCK_EXIT_IO;
        }
        if (n == 0) {
            in_open = false;
            eof_ms = ssock_now_ms();
            if (c->line_len > 0 && (rc = cli_send_line(c)) != 0) { /* last line, no newline */
                return rc;
            }
            continue;
        }
        if (c->stream) {
            c->out_off = 0;
            c->out_len = (size_t)n; /* sent at the top of the loop, after replies are read */
            continue;
        }
        if ((rc = cli_take_input(c, chunk, (size_t)n)) != 0) {
            return rc;
        }
    }
}

/*
 * Open the transport and the secure socket. DTLS: a dual-stack UDP socket, or IPv4 if @p *v4 (set
 * here too if an IPv6 socket cannot be opened and the server is IPv4). TLS: a TCP transport with
 * one connection slot (sock_secure_connect opens the connection, of the server's family).
 * @return 0 or an exit status (printed).
 */
static int cli_open(const cli_opts_t *o, bool *v4, cli_net_t *net, sock_secure_t *sock,
                    sock_secure_config_t *cfg, sock_secure_session_t *slot, cli_events_t *ev)
{
    bool remote_v4 = o->remote.family == SOCK_SECURE_AF_INET;
    sock_secure_transport_t *base = o->tls ? &net->tcp.base : &net->udp.base;
    sock_secure_ep_t any4;
    int rc = -1;

    sock_secure_ep_parse(&any4, "0.0.0.0:0", 0);
    if (o->tls) {
        rc = sock_secure_tcp_open(&net->tcp, &net->conn, 1);
        if (rc < 0) {
            ssock_error("cannot set up the client TCP transport: %s", strerror(-rc));
        }
    } else {
        if (!*v4) {
            rc = ssock_udp_open(&net->udp, NULL, remote_v4 ? NULL : "client");
            *v4 = rc < 0 && remote_v4;
        }
        if (*v4) {
            rc = ssock_udp_open(&net->udp, &any4, "client");
        }
    }
    if (rc < 0) {
        return SSOCK_EXIT_IO;
    }
    sock_secure_config_init(cfg);
    cfg->role = SOCK_SECURE_CLIENT;
    cfg->transport = base;
    cfg->sessions = slot;
    cfg->session_count = 1;
    if (o->keys.count > 0) {
        cfg->psk = o->keys.psk;
        cfg->psk_count = o->keys.count;
    }
    if (o->hint_keys.count > 0) {
        cfg->psk_for_hint = cli_psk_for_hint;
        cfg->psk_for_hint_arg = (void *)(uintptr_t)o;
    }
    if (o->suites.count > 0) {
        cfg->suites = o->suites.id;
        cfg->suite_count = o->suites.count;
    }
    cfg->event_cb = cli_event;
    cfg->event_arg = ev;
    cfg->verify = o->certs.verify;
    cfg->server_name = o->certs.server_name;
    if (o->certs.store != NULL) {
        cfg->creds = o->certs.store;
        cfg->cred_tags = &o->certs.tag;
        cfg->cred_tag_count = 1;
    }
    cfg->resumption = o->session != NULL;
    cfg->renegotiation = o->renew;
    rc = ssock_pick_backend(cfg, o->tls, o->backend,
                            ssock_certs_caps(&o->certs) |
                                (o->session != NULL ? SOCK_SECURE_CAP_RESUMPTION : 0u) |
                                (o->renew ? SOCK_SECURE_CAP_RENEGOTIATION : 0u) |
                                (o->hint_keys.count > 0 ? SOCK_SECURE_CAP_PSK_FOR_HINT : 0u));
    if (rc != SSOCK_EXIT_OK) {
        sock_secure_transport_close(base);
        return rc;
    }
    rc = sock_secure_create(sock, cfg);
    if (rc < 0) {
        rc = ssock_create_failed(rc, o->suites.count > 0, &o->certs, o->tls, o->backend);
        sock_secure_transport_close(base);
        return rc;
    }
    return 0;
}

static int cli_run(const cli_opts_t *o)
{
    static cli_t c; /* large (the stdin buffer): not on the stack */
    cli_net_t net;
    sock_secure_transport_t *base = o->tls ? &net.tcp.base : &net.udp.base;
    sock_secure_t sock;
    sock_secure_config_t cfg;
    sock_secure_session_t slot;
    sock_secure_session_t *s = NULL;
    cli_events_t ev;
    bool v4 = false;
    int rc;

    /* DTLS: dual-stack first; an IPv4 socket if that cannot reach an IPv4 server. */
    for (;;) {
        memset(&ev, 0, sizeof ev);
        ev.o = o;
        memset(&slot, 0, sizeof slot);
        memset(&net, 0, sizeof net);
        rc = cli_open(o, &v4, &net, &sock, &cfg, &slot, &ev);
        if (rc != 0) {
            return rc;
        }
        rc = cli_connect(o, &cfg, &sock, base, &ev, &s,
                         !o->tls && !v4 && o->remote.family == SOCK_SECURE_AF_INET);
        if (rc != CLI_RETRY_V4) {
            break;
        }
        sock_secure_close(&sock);
        sock_secure_transport_close(base);
        v4 = true;
    }
    if (rc == 0 && !ssock_interrupted) {
        sock_secure_session_info_t info;
        int max = sock_secure_max_payload(s);

        if (sock_secure_session_info(s, &info) == 0) {
            if (o->verbose) {
                char subject[SOCK_SECURE_SUBJECT_MAX * 4 + 32] = "";
                if (info.peer_subject[0] != '\0') { /* the server's certificate */
                    snprintf(subject, sizeof subject, ", certificate \"");
                    ssock_quote(subject, sizeof subject - 1, (const uint8_t *)info.peer_subject,
                                strlen(info.peer_subject));
                    strncat(subject, "\"", sizeof subject - strlen(subject) - 1);
                }
                fprintf(stderr, "ssock: connected to %s: %s, %s, %lu ms%s%s\n", o->target,
                        info.suite_name, info.version, (unsigned long)info.handshake_ms, subject,
                        info.resumed ? ", session resumed" : "");
            }
            if (info.verify != 0) { /* --verify optional: what was found but not enforced */
                fprintf(stderr, "ssock: warning: the server's certificate did not verify (%s); "
                        "going on (--verify optional)\n", sock_secure_verify_reason(info.verify));
            }
        }
        if (o->session != NULL) {
            (void)cli_session_save(o->session, s); /* a failure is a warning */
        }
        memset(&c, 0, sizeof c);
        c.o = o;
        c.sock = &sock;
        c.s = s;
        c.net = base;
        c.udp = o->tls ? NULL : &net.udp;
        c.ev = &ev;
        c.stream = o->tls;
        c.last_tx_ms = ssock_now_ms();
        c.max_payload = max > 0 && (size_t)max < sizeof c.line ? (size_t)max : sizeof c.line;
        rc = o->renew ? cli_renew(&c) : 0;
        if (rc == 0) {
            rc = cli_session(&c);
        }
        if (o->verbose) {
            fprintf(stderr, "ssock: closing: %lu %s sent, %lu received\n", c.sent,
                    o->tls ? "bytes" : "records", c.received);
        }
        if (o->verbose > 1 && sock_secure_session_info(s, &info) == 0) {
            fprintf(stderr, "ssock: debug: session: %lu datagrams in, %lu out; %llu bytes in, "
                    "%llu out (ciphertext); %lu records in, %lu out; %lu retransmissions\n",
                    (unsigned long)info.datagrams_in, (unsigned long)info.datagrams_out,
                    (unsigned long long)info.bytes_in, (unsigned long long)info.bytes_out,
                    (unsigned long)info.records_in, (unsigned long)info.records_out,
                    (unsigned long)info.retransmits);
        }
        ssock_wipe(&c, sizeof c);
        /* close_notify unless the peer closed already; TLS output still queued gets up to
         * --timeout ms to leave first (session_close says -EAGAIN meanwhile) */
        uint64_t end = ssock_now_ms() + o->timeout_ms;
        while (sock_secure_session_close(s) == -EAGAIN && ssock_now_ms() < end) {
            sock_secure_process(&sock);
            (void)sock_secure_transport_wait(base, 50);
        }
    }
    sock_secure_close(&sock);
    sock_secure_transport_close(base);
    return rc;
}

int ssock_client_main(int argc, char **argv)
{
    cli_opts_t o;
    int rc;

    if (ssock_wants_help(argc, argv)) {
        cli_usage(stdout);
        return SSOCK_EXIT_OK;
    }
    rc = cli_parse(&o, argc, argv);
    if (rc < 0) {
        sock_secure_config_t scratch; /* the files are read once, before any socket exists */

        sock_secure_config_init(&scratch);
        rc = ssock_certs_load(&o.certs, &scratch);
        if (rc == SSOCK_EXIT_OK) {
            ssock_install_signals();
            rc = cli_run(&o);
        }
    }
    ssock_certs_free(&o.certs);
    ssock_keys_wipe(&o.keys);
    ssock_keys_wipe(&o.hint_keys);
    return rc;
}
