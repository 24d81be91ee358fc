/**
 * @file ssock.h
 * @brief ssock, the secure_sock command-line tool: shared declarations.
 *
 * The tool uses the public API (sock_secure.h, sock_udp.h, sock_tcp.h, sock.h, creds.h,
 * error.h). To sleep on stdin and a TCP transport in one poll(), util.c reads the descriptors of
 * the transport structs (sock_secure_udp_t.fd, sock_secure_tcp_t.listen_fd, and the connection slots' fd and
 * want_write): that is the only place that looks inside a transport.
 * Files: main.c (dispatch, --version, --help), util.c (argument parsing, credentials, error
 * reporting, signals, event-loop helpers), server.c, client.c, demo.c (one subcommand each).
 */
#ifndef SSOCK_H
#define SSOCK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "secure_sock/creds.h"
#include "secure_sock/error.h"
#include "secure_sock/transport.h"
#include "secure_sock/sock_secure.h"
#include "secure_sock/posix/creds.h"
#include "secure_sock/posix/tcp.h"
#include "secure_sock/posix/udp.h"

/** Version of the tool (follows the project version). */
#define SSOCK_VERSION "0.1.0"

/** CoAP over DTLS port (RFC 7252 §12.7): the default for server and client. */
#define SSOCK_DEFAULT_PORT 5684

/** TLS over TCP (--tls): the default port (OpenSSL's s_server/s_client default). */
#define SSOCK_DEFAULT_TLS_PORT 4433

/** TLS client: --handshake-timeout unless given (TCP has no retransmission budget to run out). */
#define SSOCK_DEFAULT_TLS_HANDSHAKE_MS 30000

/** Session slots of a server unless --max-sessions says otherwise. */
#define SSOCK_DEFAULT_SESSIONS 16

/** Upper bound of --max-sessions (each slot is about 1.2 KiB). */
#define SSOCK_MAX_SESSIONS 1024

/** How many --psk options a server accepts. */
#define SSOCK_MAX_PSKS 16

/** Keys shorter than this (bytes) are taken with a warning (128 bits). */
#define SSOCK_PSK_MIN_BYTES 16

/** Largest --psk-file (bytes): 16 lines of the longest identity and key, with room for comments. */
#define SSOCK_PSK_FILE_MAX 16384

/** The environment variable a key can be given in (same syntax as --psk). */
#define SSOCK_PSK_ENV "SSOCK_PSK"

/** Client: default --timeout, in ms, to wait for replies after the end of stdin. */
#define SSOCK_DEFAULT_REPLY_TIMEOUT_MS 2000

/** Largest plaintext record the tool handles (no record can be larger than a datagram). */
#define SSOCK_RECORD_MAX CONFIG_SOCK_SECURE_MAX_DATAGRAM

/** Stream mode (--tls): bytes read from stdin at once, and received bytes taken per call. */
#define SSOCK_STREAM_CHUNK 16384

/** Exit statuses. */
enum ssock_exit {
    SSOCK_EXIT_OK = 0,        /**< success (also: interrupted by SIGINT/SIGTERM) */
    SSOCK_EXIT_USAGE = 1,     /**< bad command line, or options the backend cannot honour (a
                                   suite, a PSK hint, a key that is not the certificate's) */
    SSOCK_EXIT_HANDSHAKE = 2, /**< the (D)TLS handshake failed (also the server closing the
                                   session or connection during the handshake) */
    SSOCK_EXIT_TIMEOUT = 3,   /**< no answer: timed out, or connection refused (nothing
                                   listens on the server's port) */
    SSOCK_EXIT_IO = 4,        /**< any other failure */
};

/** PSKs given with --psk: the structs handed to the library and the bytes they point to. */
typedef struct {
    sock_secure_psk_t psk[SSOCK_MAX_PSKS];                        /**< for sock_secure_config_t */
    uint8_t identity[SSOCK_MAX_PSKS][CONFIG_SOCK_SECURE_PSK_ID_MAX]; /**< identity bytes */
    uint8_t key[SSOCK_MAX_PSKS][CONFIG_SOCK_SECURE_PSK_KEY_MAX];  /**< key bytes */
    size_t count;                                                 /**< PSKs in use */
} ssock_keys_t;

/** Cipher suites given with --ciphers (count 0: the library's defaults). */
typedef struct {
    uint16_t id[CONFIG_SOCK_SECURE_MAX_SUITES]; /**< IANA ids in preference order */
    size_t count;                               /**< suites in use */
} ssock_suites_t;

/** Credential store tag the tool files its certificates and keys under. */
#define SSOCK_CRED_TAG 1u

/** Pinned peer keys one socket takes (--peer-key, repeatable). */
#define SSOCK_MAX_PEER_KEYS 8

/** Certificates given with --cert/--key/--ca, raw public keys with --rpk/--peer-key, --verify
 *  and --servername. */
typedef struct {
    const char *cert;            /**< --cert FILE: own certificate chain (PEM or DER) */
    const char *key;             /**< --key FILE: its private key (EC P-256) */
    const char *ca;              /**< --ca FILE: trust anchors */
    bool rpk;                    /**< --rpk: our identity is --key alone, a raw public key
                                      (RFC 7250), no certificate */
    const char *peer_keys[SSOCK_MAX_PEER_KEYS]; /**< --peer-key FILE: pinned peer public keys
                                                     (SubjectPublicKeyInfo, PEM or DER) */
    size_t peer_key_count;       /**< entries in peer_keys */
    sock_secure_verify_t verify; /**< --verify (SOCK_SECURE_VERIFY_DEFAULT: the library's) */
    const char *server_name;     /**< client: --servername, or the host name of HOST:PORT;
                                      NULL for an address (its IP SAN is checked); "" for
                                      --servername '' (no identity check) */
    sock_secure_creds_t *store;  /**< heap: where the files are read into (ssock_certs_load) */
    uint32_t tag;                /**< SSOCK_CRED_TAG, referenced by the config */
} ssock_certs_t;

/** A cursor over the arguments of one subcommand. */
typedef struct {
    int argc;        /**< argument count */
    char **argv;     /**< arguments (argv[0] is the subcommand) */
    int i;           /**< the argument being looked at */
    const char *cmd; /**< "server", "client", ... for messages */
} ssock_args_t;

/** Set by the SIGINT/SIGTERM handler: the only mutable global of the tool. */
extern volatile sig_atomic_t ssock_interrupted;

/* ---- subcommands (each returns an exit status) ---------------------------------------------- */

/** `ssock server ...` */
int ssock_server_main(int argc, char **argv);
/** `ssock client ...` */
int ssock_client_main(int argc, char **argv);
/** `ssock demo ...` */
int ssock_demo_main(int argc, char **argv);

/* ---- arguments ------------------------------------------------------------------------------ */

/** True if any argument after the subcommand is -h or --help. */
bool ssock_wants_help(int argc, char **argv);

/**
 * Is the current argument the option @p name? Takes "--name VALUE" and "--name=VALUE".
 * @param[out] value the value (NULL for a flag: then pass value == NULL)
 * @return 1 if matched (the cursor moves past it), 0 if not, -1 after printing a usage error
 *         (missing value, or a value given to a flag).
 */
int ssock_opt(ssock_args_t *args, const char *name, char **value);

/** Print "ssock CMD: <message> (see 'ssock CMD --help')" on stderr. @return SSOCK_EXIT_USAGE. */
int ssock_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/** Strict decimal parse of @p text into [min, max]. @return 0, or -1 after a usage error. */
int ssock_parse_u32(const char *cmd, const char *opt, const char *text, uint32_t min, uint32_t max,
                    uint32_t *out);

/**
 * Parse "IDENTITY:HEXKEY" into the next slot of @p keys (the last ':' separates them). The hex
 * digits in @p text are overwritten with 'x' so the key does not stay in the process arguments.
 * @return 0, or -1 after a usage error.
 */
int ssock_parse_psk(const char *cmd, ssock_keys_t *keys, char *text);

/** ssock_parse_psk() for the key of another option: @p origin (e.g. "--psk-for-hint") names it in
 *  the messages. @return 0, or -1 after a usage error. */
int ssock_parse_psk_opt(const char *cmd, ssock_keys_t *keys, char *text, const char *origin);

/**
 * Read keys from @p path (--psk-file): one IDENTITY:HEXKEY per line, as with --psk; blank lines
 * and lines starting with '#' are skipped, spaces around a line ignored. The file must be a
 * regular file that neither group nor others may access (mode 0600 or stricter, as ssh wants of
 * private keys). @p first_only: take the first key line and ignore the rest (a client). Keys under
 * SSOCK_PSK_MIN_BYTES get a warning on stderr. The file's text is wiped before returning; no
 * message shows a key.
 * @return 0, or -1 after printing the error (e.g. "keys: permissions 0644 are too open; chmod
 *         600 keys").
 */
int ssock_psk_file(const char *cmd, ssock_keys_t *keys, const char *path, bool first_only);

/**
 * Take the key in the environment variable SSOCK_PSK (IDENTITY:HEXKEY, as --psk), if set; its hex
 * digits are overwritten in the environment.
 * @return 1 if a key was taken, 0 if the variable is not set, -1 after printing an error.
 */
int ssock_psk_env(const char *cmd, ssock_keys_t *keys);

/**
 * Is the current argument one of --cert, --key, --ca, --rpk, --peer-key, --verify (and, if
 * @p client, --servername)?
 * @return 1 if taken (the cursor moves past it), 0 if not ours, -1 after printing a usage error.
 */
int ssock_cert_opt(ssock_args_t *args, ssock_certs_t *certs, bool client);

/** Any of --cert/--key/--ca/--rpk/--peer-key given? */
bool ssock_certs_given(const ssock_certs_t *certs);

/**
 * Read the --cert/--key/--ca/--peer-key files into a credential store on the heap and point
 * @p cfg at it (creds, cred_tags, verify, server_name). Errors name the option, the file and the problem,
 * e.g. "--key server.crt: not a private key (credential is not of the declared kind)".
 * @return 0, or an exit status after printing the error.
 */
int ssock_certs_load(ssock_certs_t *certs, sock_secure_config_t *cfg);

/** Zero and free the store (safe if never loaded). */
void ssock_certs_free(ssock_certs_t *certs);

/** Parse a comma-separated list of IANA or OpenSSL suite names. @return 0, or -1 (usage error). */
int ssock_parse_ciphers(const char *cmd, ssock_suites_t *suites, const char *list);

/**
 * Resolve "HOST:PORT", "[IPV6]:PORT", "A.B.C.D:PORT" or "localhost:PORT" (a missing port is
 * @p default_port). Host names other than the numeric forms go through getaddrinfo(). An IPv6
 * address without brackets ("::1:5684": is 5684 the port?) and port 0 are usage errors.
 * @return 0, or -1 after a usage error.
 */
int ssock_resolve(const char *cmd, const char *text, uint16_t default_port, sock_secure_ep_t *ep);

/**
 * Parse --listen: "PORT" (every address: @p any is set and @p ep is "[::]:PORT"), "ADDR",
 * "ADDR:PORT", "[IPV6]" or "[IPV6]:PORT" (a missing port is @p default_port). Port 0 lets the
 * system pick one. An IPv6 address without brackets is a usage error (as for ssock_resolve).
 * @return 0, or -1 after a usage error.
 */
int ssock_parse_listen(const char *cmd, const char *text, uint16_t default_port, sock_secure_ep_t *ep,
                       bool *any);

/** Zero @p len bytes at @p p in a way the compiler cannot drop. */
void ssock_wipe(void *p, size_t len);

/** Zero every key and identity in @p keys. */
void ssock_keys_wipe(ssock_keys_t *keys);

/* ---- errors --------------------------------------------------------------------------------- */

/** The exit status for a library error code (the one place that maps them). */
int ssock_exit_status(int err);

/**
 * Explain why a session failed, e.g. "peer sent alert bad_record_mac (wrong PSK?)".
 * @param info the session's info, or NULL if the slot is gone.
 * @param err  the error code that ended it.
 * @param stream a TLS session over TCP: errno codes are the connection's (-ECONNRESET is
 *        "connection reset by peer", not a DTLS peer restart).
 */
void ssock_describe_failure(const sock_secure_session_info_t *info, int err, bool stream,
                            char *buf, size_t len);

/** Text for an error code; with @p stream, TCP errno codes read as such (see above). */
const char *ssock_strerror(int err, bool stream);

/** Explain a sock_secure_create() failure on stderr (one line), naming DTLS or TLS (@p tls).
 *  @p certs may be NULL. @p backend: the --backend name, NULL for the default choice.
 *  @return the exit status: SSOCK_EXIT_USAGE for options the backend cannot honour (a suite it
 *  lacks, certificates without X509, a key that does not match its certificate). */
int ssock_create_failed(int err, bool suites_given, const ssock_certs_t *certs, bool tls,
                        const char *backend);

/**
 * --backend NAME: check that @p name is a built-in backend (sock_secure_backend_info()); if not,
 * print a usage error listing the built-in ones. @return 0, or -1 after the usage error.
 */
int ssock_parse_backend(const char *cmd, const char *name);

/** Name of the first built-in backend that does TLS over streams, NULL if none. */
const char *ssock_tls_backend(void);

/** Print "ssock: <message>" on stderr (one line). */
void ssock_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Print "<local time> ssock: <message>" on stderr (one line): a server's log. */
void ssock_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** From now on ssock_log() names this process "ssock[worker @p worker]" (server --workers). */
void ssock_log_worker(unsigned worker);

/** The local time as RFC 3339 with milliseconds, "2025-01-31T14:05:09.042+01:00" ("?" if the
 *  clock cannot be read). @return @p buf. */
const char *ssock_timestamp(char *buf, size_t len);

/** Format an endpoint ("[::1]:5684"); never fails ("?" if it cannot). @return @p buf. */
const char *ssock_ep_str(const sock_secure_ep_t *ep, char *buf, size_t len);
/* Append @p len bytes a peer sent (a PSK identity, a certificate subject) to the string @p out
 * (@p size bytes) as text: printable ASCII as is but '"' and '\\', the rest as \xHH. */
void ssock_quote(char *out, size_t size, const uint8_t *id, size_t len);

/* ---- event loop helpers --------------------------------------------------------------------- */

/** Install the SIGINT/SIGTERM handler (without SA_RESTART, so poll() returns early); ignore
 *  SIGPIPE so a closed stdout is reported as an error. */
void ssock_install_signals(void);

/** Monotonic milliseconds (the library's platform clock). */
uint64_t ssock_now_ms(void);

/**
 * Wait until @p fd_net (or @p fd_in if >= 0) is readable, @p timeout_ms passes, or a signal
 * arrives (two plain descriptors: the demo's two UDP sockets).
 * @param[out] in_ready set if fd_in is readable (or hung up). May be NULL.
 * @return 0, or a negative errno if poll() failed for another reason than EINTR.
 */
int ssock_wait_fds(int fd_net, int fd_in, uint32_t timeout_ms, bool *in_ready);

/**
 * Wait until the transport @p net has something to do (UDP: readable; TCP: a connection or the
 * listener readable, a blocked send writable again, a connect finished, an end to report), or
 * @p fd_in (if >= 0) is readable, or @p timeout_ms passes, or a signal arrives.
 * @p net must be a sock_secure_udp_t or a sock_secure_tcp_t. Without @p fd_in a TCP transport sleeps in its own
 * wait op; otherwise one poll() covers stdin and the transport's descriptors, and the transport's
 * wait op (timeout 0) then takes note of what happened.
 * @param[out] in_ready set if fd_in is readable (or hung up). May be NULL.
 * @return 0, or a negative errno if waiting failed for another reason than EINTR.
 */
int ssock_wait(sock_secure_transport_t *net, int fd_in, uint32_t timeout_ms, bool *in_ready);

/** TCP: does a connection wait for room to send (output the library still holds)? Meaningful
 *  right after sock_secure_process(), which retries pending output. */
bool ssock_output_blocked(const sock_secure_transport_t *net);

/** Write @p len bytes to stdout as they are, then flush. @return 0, or -EIO if stdout failed. */
int ssock_write_raw(const uint8_t *data, size_t len);

/**
 * Write one record on stdout as one line (a newline is added unless it ends with one), each line
 * prefixed with @p prefix if not NULL, then flush. @return 0, or -EIO if stdout failed.
 */
int ssock_print_record(const uint8_t *data, size_t len, const char *prefix);

/**
 * Open a UDP transport bound to @p local (NULL: dual-stack "[::]:0"). On failure print an error
 * naming @p what ("server", "client") unless @p what is NULL.
 * @return 0 or the negative error.
 */
int ssock_udp_open(sock_secure_udp_t *udp, const sock_secure_ep_t *local, const char *what);

/** Select the backend for a TLS (@p tls) or DTLS socket in @p cfg: @p backend if not NULL
 *  (--backend, checked to do TLS over streams, or DTLS, and @p caps), else the first backend
 *  that does TLS over streams (or DTLS) with @p caps (SOCK_SECURE_CAP_*; raw public keys:
 *  SOCK_SECURE_CAP_RPK). @return 0, or an exit status after printing the error. */
int ssock_pick_backend(sock_secure_config_t *cfg, bool tls, const char *backend, uint32_t caps);

/** The SOCK_SECURE_CAP_* bits the certificate options need of a backend (raw public keys). */
uint32_t ssock_certs_caps(const ssock_certs_t *certs);

#endif /* SSOCK_H */
