/**
 * @file util.c
 * @brief ssock: argument parsing, credentials, error reporting, signals, event-loop helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ssock.h"

volatile sig_atomic_t ssock_interrupted;

/* ---- arguments ------------------------------------------------------------------------------ */

bool ssock_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            return true;
        }
    }
    return false;
}

int ssock_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "ssock%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'ssock%s%s --help')\n", cmd ? " " : "", cmd ? cmd : "");
    return SSOCK_EXIT_USAGE;
}

int ssock_opt(ssock_args_t *args, const char *name, char **value)
{
    char *arg = args->argv[args->i];
    size_t n = strlen(name);

    if (strncmp(arg, name, n) != 0 || (arg[n] != '\0' && arg[n] != '=')) {
        return 0;
    }
    if (value == NULL) { /* a flag */
        if (arg[n] == '=') {
            ssock_usage_error(args->cmd, "option '%s' takes no value", name);
            return -1;
        }
        args->i++;
        return 1;
    }
    if (arg[n] == '=') {
        *value = arg + n + 1;
        args->i++;
        return 1;
    }
    if (args->i + 1 >= args->argc) {
        ssock_usage_error(args->cmd, "option '%s' needs a value", name);
        return -1;
    }
    *value = args->argv[args->i + 1];
    args->i += 2;
    return 1;
}

int ssock_parse_u32(const char *cmd, const char *opt, const char *text, uint32_t min, uint32_t max,
                    uint32_t *out)
{
    uint64_t v = 0;

    if (*text == '\0') {
        ssock_usage_error(cmd, "%s: empty number", opt);
        return -1;
    }
    for (const char *p = text; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            ssock_usage_error(cmd, "%s: '%s' is not a decimal number", opt, text);
            return -1;
        }
        v = v * 10u + (uint64_t)(*p - '0');
        if (v > max) {
            break;
        }
    }
    if (v < min || v > max) {
        ssock_usage_error(cmd, "%s: %s is out of range (%lu..%lu)", opt, text, (unsigned long)min,
                          (unsigned long)max);
        return -1;
    }
    *out = (uint32_t)v;
    return 0;
}

static int ssock_hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Parse "IDENTITY:HEXKEY" from @p text into the next slot of @p keys; @p origin names where the
 * text came from in messages ("--psk", "SSOCK_PSK", "--psk-file F line N"). The hex digits are
 * overwritten with 'x' whatever happens. */
static int ssock_parse_psk_from(const char *cmd, ssock_keys_t *keys, char *text,
                                const char *origin)
{
    char *colon = strrchr(text, ':');
    size_t id_len;
    size_t hex_len;
    size_t slot = keys->count;

    if (colon == NULL) {
        memset(text, 'x', strlen(text)); /* it may be a bare key */
        ssock_usage_error(cmd, "%s: expected IDENTITY:HEXKEY", origin);
        return -1;
    }
    id_len = (size_t)(colon - text);
    hex_len = strlen(colon + 1);
    /* Whatever happens next, do not leave the key text in the process arguments. */
    if (slot >= SSOCK_MAX_PSKS) {
        memset(colon + 1, 'x', hex_len);
        ssock_usage_error(cmd, "%s: at most %d keys", origin, SSOCK_MAX_PSKS);
        return -1;
    }
    if (id_len == 0 || id_len > CONFIG_SOCK_SECURE_PSK_ID_MAX) {
        memset(colon + 1, 'x', hex_len);
        ssock_usage_error(cmd, "%s: the identity must be 1 to %d bytes (got %zu)", origin,
                          CONFIG_SOCK_SECURE_PSK_ID_MAX, id_len);
        return -1;
    }
    for (size_t i = 0; i < hex_len; i++) {
        if (ssock_hex_digit(colon[1 + i]) < 0) {
            memset(colon + 1, 'x', hex_len);
            ssock_usage_error(cmd, "%s '%.*s:...': the key must be hex digits only "
                              "(character %zu is not)", origin, (int)id_len, text, i + 1);
            return -1;
        }
    }
    if (hex_len == 0 || hex_len % 2 != 0 || hex_len / 2 > CONFIG_SOCK_SECURE_PSK_KEY_MAX) {
        memset(colon + 1, 'x', hex_len);
        ssock_usage_error(cmd, "%s '%.*s:...': the key must be an even number of hex digits, "
                          "1 to %d bytes (got %zu digits)", origin, (int)id_len, text,
                          CONFIG_SOCK_SECURE_PSK_KEY_MAX, hex_len);
        return -1;
    }
    for (size_t i = 0; i < hex_len / 2; i++) {
        int hi = ssock_hex_digit(colon[1 + 2 * i]);
        int lo = ssock_hex_digit(colon[2 + 2 * i]);

        keys->key[slot][i] = (uint8_t)((hi << 4) | lo);
    }
    memset(colon + 1, 'x', hex_len);
    memcpy(keys->identity[slot], text, id_len);
    for (size_t k = 0; k < slot; k++) {
        if (keys->psk[k].identity_len == id_len && memcmp(keys->psk[k].identity, text, id_len) == 0) {
            ssock_wipe(keys->key[slot], sizeof keys->key[slot]);
            ssock_usage_error(cmd, "%s: identity '%.*s' given twice", origin, (int)id_len, text);
            return -1;
        }
    }
    if (hex_len / 2 < SSOCK_PSK_MIN_BYTES) {
        fprintf(stderr, "ssock %s: warning: %s '%.*s:...': the key is only %zu bytes; use at "
                "least %d random bytes (%d hex digits)\n", cmd, origin, (int)id_len, text,
                hex_len / 2, SSOCK_PSK_MIN_BYTES, 2 * SSOCK_PSK_MIN_BYTES);
    }
    keys->psk[slot].identity = keys->identity[slot];
    keys->psk[slot].identity_len = id_len;
    keys->psk[slot].key = keys->key[slot];
    keys->psk[slot].key_len = hex_len / 2;
    keys->count = slot + 1;
    return 0;
}

int ssock_parse_psk(const char *cmd, ssock_keys_t *keys, char *text)
{
    return ssock_parse_psk_from(cmd, keys, text, "--psk");
}

int ssock_parse_psk_opt(const char *cmd, ssock_keys_t *keys, char *text, const char *origin)
{
    return ssock_parse_psk_from(cmd, keys, text, origin);
}

int ssock_psk_env(const char *cmd, ssock_keys_t *keys)
{
    char *text = getenv(SSOCK_PSK_ENV);

    if (text == NULL) {
        return 0;
    }
    /* the digits are overwritten in the environment itself (/proc/PID/environ) */
    return ssock_parse_psk_from(cmd, keys, text, SSOCK_PSK_ENV) < 0 ? -1 : 1;
}

/* Read all of @p fd (at most max - 1 bytes, NUL-terminated). @return the length, -1 on error,
 * -2 if it is larger. */
static ssize_t ssock_read_all(int fd, char *buf, size_t max)
{
    size_t len = 0;

    for (;;) {
        ssize_t n = read(fd, buf + len, max - 1 - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
        if (len == max - 1) {
            char extra;
            n = read(fd, &extra, 1);
            if (n != 0) {
                return n < 0 ? -1 : -2;
            }
            break;
        }
    }
    buf[len] = '\0';
    return (ssize_t)len;
}

/* Parse the lines of a key file (text, NUL-terminated) into @p keys. */
static int ssock_psk_lines(const char *cmd, ssock_keys_t *keys, char *text, const char *path,
                           bool first_only)
{
    unsigned line_no = 0;
    size_t found = 0;

    for (char *line = text; line != NULL && *line != '\0';) {
        char *end = strchr(line, '\n');
        char *next = end != NULL ? end + 1 : NULL;
        char origin[64 + PATH_MAX];

        if (end == NULL) {
            end = line + strlen(line);
        }
        line_no++;
        while (end > line && (end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t')) {
            end--;
        }
        *end = '\0';
        while (*line == ' ' || *line == '\t') {
            line++;
        }
        if (*line != '\0' && *line != '#' && !(first_only && found > 0)) {
            snprintf(origin, sizeof origin, "--psk-file %s line %u", path, line_no);
            if (ssock_parse_psk_from(cmd, keys, line, origin) < 0) {
                return -1;
            }
            found++;
        }
        line = next;
    }
    if (found == 0) {
        ssock_usage_error(cmd, "--psk-file %s: no IDENTITY:HEXKEY line in it", path);
        return -1;
    }
    return 0;
}

int ssock_psk_file(const char *cmd, ssock_keys_t *keys, const char *path, bool first_only)
{
    static char text[SSOCK_PSK_FILE_MAX]; /* one file at a time; wiped before return */
    struct stat st;
    int fd = open(path, O_RDONLY | O_NOCTTY);
    int rc = -1;

    if (fd < 0) {
        ssock_usage_error(cmd, "--psk-file %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        ssock_usage_error(cmd, "--psk-file %s: %s", path, strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        ssock_usage_error(cmd, "--psk-file %s: not a regular file", path);
    } else if ((st.st_mode & 077) != 0) {
        /* like ssh with private keys: other users must not read (or replace) the keys */
        fprintf(stderr, "ssock %s: %s: permissions %04o are too open; chmod 600 %s\n", cmd, path,
                (unsigned)(st.st_mode & 07777), path);
    } else {
        ssize_t n = ssock_read_all(fd, text, sizeof text);
        if (n == -2) {
            ssock_usage_error(cmd, "--psk-file %s: larger than %d bytes", path,
                              SSOCK_PSK_FILE_MAX - 1);
        } else if (n < 0) {
            ssock_usage_error(cmd, "--psk-file %s: %s", path, strerror(errno));
        } else if (memchr(text, '\0', (size_t)n) != NULL) {
            ssock_usage_error(cmd, "--psk-file %s: not a text file (NUL byte)", path);
        } else {
            rc = ssock_psk_lines(cmd, keys, text, path, first_only);
        }
    }
    ssock_wipe(text, sizeof text);
    close(fd);
    return rc;
}

/* ---- certificates ----------------------------------------------------------------------------- */

int ssock_cert_opt(ssock_args_t *args, ssock_certs_t *certs, bool client)
{
    static const char *const modes[] = { "none", "optional", "required" };
    static const sock_secure_verify_t values[] = { SOCK_SECURE_VERIFY_NONE,
                                                   SOCK_SECURE_VERIFY_OPTIONAL,
                                                   SOCK_SECURE_VERIFY_REQUIRED };
    const char **slot = NULL;
    char *val = NULL;
    int m;

    if ((m = ssock_opt(args, "--rpk", NULL)) != 0) {
        if (m > 0) {
            certs->rpk = true;
        }
        return m;
    } else if ((m = ssock_opt(args, "--peer-key", &val)) != 0) {
        if (m < 0) {
            return -1;
        }
        if (*val == '\0') {
            ssock_usage_error(args->cmd, "--peer-key needs a non-empty value");
            return -1;
        }
        if (certs->peer_key_count == SSOCK_MAX_PEER_KEYS) {
            ssock_usage_error(args->cmd, "--peer-key: at most %d keys", SSOCK_MAX_PEER_KEYS);
            return -1;
        }
        certs->peer_keys[certs->peer_key_count++] = val;
        return 1;
    } else if ((m = ssock_opt(args, "--cert", &val)) != 0) {
        slot = &certs->cert;
    } else if ((m = ssock_opt(args, "--key", &val)) != 0) {
        slot = &certs->key;
    } else if ((m = ssock_opt(args, "--ca", &val)) != 0) {
        slot = &certs->ca;
    } else if (client && (m = ssock_opt(args, "--servername", &val)) != 0) {
        slot = &certs->server_name;
    } else if ((m = ssock_opt(args, "--verify", &val)) != 0) {
        if (m < 0) {
            return -1;
        }
        for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
            if (strcmp(val, modes[i]) == 0) {
                certs->verify = values[i];
                return 1;
            }
        }
        ssock_usage_error(args->cmd, "--verify: '%s' is not none, optional or required", val);
        return -1;
    } else {
        return 0;
    }
    if (m < 0) {
        return -1;
    }
    if (*val == '\0' && slot != &certs->server_name) { /* --servername '': no name check */
        ssock_usage_error(args->cmd, "%s needs a non-empty value", args->argv[args->i - 1]);
        return -1;
    }
    if (*slot != NULL) {
        ssock_usage_error(args->cmd, "option given twice (%s)", val);
        return -1;
    }
    *slot = val;
    return 1;
}

bool ssock_certs_given(const ssock_certs_t *certs)
{
    return certs->cert != NULL || certs->key != NULL || certs->ca != NULL || certs->rpk ||
           certs->peer_key_count > 0;
}

uint32_t ssock_certs_caps(const ssock_certs_t *certs)
{
    return certs->rpk || certs->peer_key_count > 0 ? SOCK_SECURE_CAP_RPK : 0u;
}

/* What an option's file must be, for messages. */
static const char *ssock_cred_what(sock_secure_cred_type_t type)
{
    switch (type) {
    case SOCK_SECURE_CRED_PRIVATE_KEY:
        return "a private key";
    case SOCK_SECURE_CRED_CERT_CHAIN:
        return "a certificate (chain)";
    case SOCK_SECURE_CRED_PEER_KEY:
        return "a public key (SubjectPublicKeyInfo)";
    default:
        return "a CA certificate";
    }
}

/* Read one file into the store, explaining a failure. @return 0 or an exit status. */
static int ssock_cred_file(ssock_certs_t *certs, const char *opt, const char *path,
                           sock_secure_cred_type_t type)
{
    int rc = sock_secure_creds_add_file(certs->store, certs->tag, type, path);

    if (rc == 0) {
        return SSOCK_EXIT_OK;
    }
    switch (rc) {
    case SOCK_SECURE_E_CRED_TYPE:
        ssock_error("%s %s: not %s (%s)", opt, path, ssock_cred_what(type),
                    sock_secure_strerror(rc));
        break;
    case SOCK_SECURE_E_CRED_FORMAT:
        ssock_error("%s %s: cannot be read as %s (%s)", opt, path, ssock_cred_what(type),
                    sock_secure_strerror(rc));
        break;
    case -ENOTSUP:
        /* the store refuses it whatever the backend: it keeps EC P-256 keys only */
        ssock_error("%s %s: %s of a kind secure_sock does not support (EC P-256 keys only)", opt,
                    path, ssock_cred_what(type));
        break;
    case -ENOMEM:
        ssock_error("%s %s: too large for the credential store (%d bytes in all)", opt, path,
                    CONFIG_SOCK_SECURE_CRED_ARENA);
        break;
    case -EINVAL:
        ssock_error("%s %s: not a regular, non-empty file", opt, path);
        break;
    case -EEXIST:
        ssock_error("%s %s: the same key is given twice", opt, path);
        break;
    default:
        ssock_error("%s %s: %s", opt, path,
                    rc > -1000 ? strerror(-rc) : sock_secure_strerror(rc));
        break;
    }
    return SSOCK_EXIT_USAGE;
}

int ssock_certs_load(ssock_certs_t *certs, sock_secure_config_t *cfg)
{
    int rc = SSOCK_EXIT_OK;

    cfg->verify = certs->verify;
    cfg->server_name = certs->server_name;
    if (!ssock_certs_given(certs)) {
        return SSOCK_EXIT_OK;
    }
    certs->tag = SSOCK_CRED_TAG;
    certs->store = calloc(1, sizeof *certs->store);
    if (certs->store == NULL) {
        ssock_error("out of memory for the credential store");
        return SSOCK_EXIT_IO;
    }
    sock_secure_creds_init(certs->store);
    if (certs->cert != NULL) {
        rc = ssock_cred_file(certs, "--cert", certs->cert, SOCK_SECURE_CRED_CERT_CHAIN);
    }
    if (rc == SSOCK_EXIT_OK && certs->key != NULL) {
        rc = ssock_cred_file(certs, "--key", certs->key, SOCK_SECURE_CRED_PRIVATE_KEY);
    }
    if (rc == SSOCK_EXIT_OK && certs->ca != NULL) {
        rc = ssock_cred_file(certs, "--ca", certs->ca, SOCK_SECURE_CRED_CA);
    }
    for (size_t i = 0; rc == SSOCK_EXIT_OK && i < certs->peer_key_count; i++) {
        rc = ssock_cred_file(certs, "--peer-key", certs->peer_keys[i], SOCK_SECURE_CRED_PEER_KEY);
    }
    if (rc != SSOCK_EXIT_OK) {
        ssock_certs_free(certs);
        return rc;
    }
    cfg->creds = certs->store;
    cfg->cred_tags = &certs->tag;
    cfg->cred_tag_count = 1;
    return SSOCK_EXIT_OK;
}

void ssock_certs_free(ssock_certs_t *certs)
{
    if (certs->store != NULL) {
        sock_secure_creds_init(certs->store); /* zeroes every byte, keys included */
        free(certs->store);
        certs->store = NULL;
    }
}

int ssock_parse_ciphers(const char *cmd, ssock_suites_t *suites, const char *list)
{
    const char *p = list;

    suites->count = 0;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char name[96];
        int id;

        if (n == 0) {
            ssock_usage_error(cmd, "--ciphers: empty name in '%s'", list);
            return -1;
        }
        if (n >= sizeof name) {
            ssock_usage_error(cmd, "--ciphers: unknown cipher suite '%.*s'", (int)n, p);
            return -1;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        id = sock_secure_suite_from_name(name);
        if (id <= 0 || id > UINT16_MAX) {
            ssock_usage_error(cmd, "--ciphers: unknown cipher suite '%s'", name);
            return -1;
        }
        if (suites->count >= CONFIG_SOCK_SECURE_MAX_SUITES) {
            ssock_usage_error(cmd, "--ciphers: at most %d suites", CONFIG_SOCK_SECURE_MAX_SUITES);
            return -1;
        }
        suites->id[suites->count++] = (uint16_t)id;
        if (end == NULL) {
            return 0;
        }
        p = end + 1;
    }
}

/* Convert a getaddrinfo() result to an endpoint (IPv4-mapped IPv6 stored as IPv4). */
static int ssock_ep_from_sockaddr(const struct sockaddr *sa, uint16_t port, sock_secure_ep_t *ep)
{
    static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

    memset(ep, 0, sizeof *ep);
    ep->port = port;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

        ep->family = SOCK_SECURE_AF_INET;
        memcpy(ep->addr, &in->sin_addr, 4);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

        if (memcmp(&in6->sin6_addr, v4mapped, sizeof v4mapped) == 0) {
            ep->family = SOCK_SECURE_AF_INET;
            memcpy(ep->addr, (const uint8_t *)&in6->sin6_addr + 12, 4);
        } else {
            ep->family = SOCK_SECURE_AF_INET6;
            memcpy(ep->addr, &in6->sin6_addr, 16);
            ep->scope_id = in6->sin6_scope_id;
        }
        return 0;
    }
    return -1;
}

/* An IPv6 address without brackets ("::1:5684"): is ":5684" a port or part of the address?
 * Refuse it, showing both bracketed readings that parse. @return true if refused (printed). */
static bool ssock_bare_ipv6(const char *cmd, const char *text, uint16_t default_port)
{
    const char *first = strchr(text, ':');
    const char *last = strrchr(text, ':');
    char as_port[SOCK_SECURE_EP_STRLEN + 8] = "";
    char as_addr[SOCK_SECURE_EP_STRLEN + 8] = "";
    sock_secure_ep_t ep;

    if (text[0] == '[' || first == NULL || first == last) {
        return false;
    }
    if (last[1] != '\0' && strspn(last + 1, "0123456789") == strlen(last + 1) &&
        strlen(text) < SOCK_SECURE_EP_STRLEN) {
        snprintf(as_port, sizeof as_port, "[%.*s]%s", (int)(last - text), text, last);
        if (sock_secure_ep_parse(&ep, as_port, default_port) != 0) {
            as_port[0] = '\0';
        }
    }
    if (strlen(text) < SOCK_SECURE_EP_STRLEN) {
        snprintf(as_addr, sizeof as_addr, "[%s]", text);
        if (sock_secure_ep_parse(&ep, as_addr, default_port) != 0) {
            as_addr[0] = '\0';
        }
    }
    if (as_port[0] != '\0' && as_addr[0] != '\0') {
        ssock_usage_error(cmd, "'%s': an IPv6 address needs brackets: %s (address %.*s, "
                          "port %s) or %s (address %s, default port %u)", text, as_port,
                          (int)(last - text), text, last + 1, as_addr, text, default_port);
    } else if (as_port[0] != '\0' || as_addr[0] != '\0') {
        ssock_usage_error(cmd, "'%s': an IPv6 address needs brackets: %s", text,
                          as_port[0] != '\0' ? as_port : as_addr);
    } else {
        ssock_usage_error(cmd, "'%s' is not HOST:PORT (IPv6: [ADDR]:PORT)", text);
    }
    return true;
}

int ssock_resolve(const char *cmd, const char *text, uint16_t default_port, sock_secure_ep_t *ep)
{
    char host[256];
    const char *colon;
    size_t host_len;
    uint32_t port = default_port;
    struct addrinfo hints;
    struct addrinfo *res = NULL;
    int rc;

    if (ssock_bare_ipv6(cmd, text, default_port)) {
        return -1;
    }
    if (sock_secure_ep_parse(ep, text, default_port) == 0) {
        if (ep->port == 0) {
            ssock_usage_error(cmd, "'%s': port 0 is not a server's port", text);
            return -1;
        }
        return 0;
    }
    /* Not numeric: "name[:port]". Brackets mean a (bad) IPv6 literal: no lookup for those. */
    colon = strrchr(text, ':');
    host_len = colon ? (size_t)(colon - text) : strlen(text);
    if (text[0] == '[' || host_len == 0 || host_len >= sizeof host ||
        memchr(text, ':', host_len) != NULL) {
        ssock_usage_error(cmd, "'%s' is not HOST:PORT (IPv6: [ADDR]:PORT)", text);
        return -1;
    }
    if (colon != NULL && ssock_parse_u32(cmd, "port", colon + 1, 1, 65535, &port) < 0) {
        return -1;
    }
    memcpy(host, text, host_len);
    host[host_len] = '\0';
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || res == NULL) {
        ssock_usage_error(cmd, "cannot resolve '%s': %s", host,
                          rc != 0 ? gai_strerror(rc) : "no address");
        return -1;
    }
    rc = -1;
    for (const struct addrinfo *ai = res; ai != NULL && rc != 0; ai = ai->ai_next) {
        rc = ssock_ep_from_sockaddr(ai->ai_addr, (uint16_t)port, ep);
    }
    freeaddrinfo(res);
    if (rc != 0) {
        ssock_usage_error(cmd, "'%s' has no IPv4 or IPv6 address", host);
        return -1;
    }
    return 0;
}

int ssock_parse_listen(const char *cmd, const char *text, uint16_t default_port, sock_secure_ep_t *ep,
                       bool *any)
{
    uint32_t port;

    *any = false;
    if (text[0] != '\0' && strspn(text, "0123456789") == strlen(text)) {
        if (ssock_parse_u32(cmd, "--listen", text, 0, 65535, &port) < 0) {
            return -1;
        }
        sock_secure_ep_parse(ep, "[::]", (uint16_t)port);
        *any = true;
        return 0;
    }
    if (ssock_bare_ipv6(cmd, text, default_port)) {
        return -1;
    }
    if (sock_secure_ep_parse(ep, text, default_port) < 0) {
        ssock_usage_error(cmd, "--listen: '%s' is not PORT, ADDR or ADDR:PORT (e.g. %u, "
                          "0.0.0.0:%u or [::1]:%u)", text, default_port, default_port,
                          default_port);
        return -1;
    }
    return 0;
}

void ssock_wipe(void *p, size_t len)
{
    volatile uint8_t *v = p;

    while (len-- > 0) {
        *v++ = 0;
    }
}

void ssock_keys_wipe(ssock_keys_t *keys)
{
    ssock_wipe(keys, sizeof *keys);
}

/* ---- errors --------------------------------------------------------------------------------- */

int ssock_exit_status(int err)
{
    switch (err) {
    case 0:
        return SSOCK_EXIT_OK;
    case SOCK_SECURE_E_HANDSHAKE:
    case SOCK_SECURE_E_ALERT:
    case SOCK_SECURE_E_VERIFY:
    case SOCK_SECURE_E_PSK_IDENTITY:
    case SOCK_SECURE_E_NO_SUITE:
    case SOCK_SECURE_E_BAD_RECORD: /* a session only dies of one while handshaking */
        return SSOCK_EXIT_HANDSHAKE;
    case -ETIMEDOUT:
    case -ECONNREFUSED: /* nobody there: no answer, quickly */
        return SSOCK_EXIT_TIMEOUT;
    default:
        return err > 0 ? SSOCK_EXIT_OK : SSOCK_EXIT_IO;
    }
}

/* RFC 5246 §7.2 / RFC 4279 alert numbers the hints are about. */
#define SSOCK_ALERT_BAD_RECORD_MAC       20
#define SSOCK_ALERT_RECORD_OVERFLOW      22
#define SSOCK_ALERT_HANDSHAKE_FAILURE    40
#define SSOCK_ALERT_BAD_CERTIFICATE      42
#define SSOCK_ALERT_ACCESS_DENIED        49
#define SSOCK_ALERT_DECRYPT_ERROR        51
#define SSOCK_ALERT_INSUFFICIENT_SECURITY 71
#define SSOCK_ALERT_UNKNOWN_PSK_IDENTITY 115

static const char *ssock_alert_hint(uint8_t alert)
{
    switch (alert) {
    case SSOCK_ALERT_BAD_RECORD_MAC:
    case SSOCK_ALERT_DECRYPT_ERROR:
        return " (wrong PSK?)";
    case SSOCK_ALERT_UNKNOWN_PSK_IDENTITY:
        return " (unknown PSK identity)";
    case SSOCK_ALERT_HANDSHAKE_FAILURE: /* wolfSSL's answer to a wrong or unknown PSK too */
        return " (no common cipher suite? a wrong or unknown PSK? a client certificate required?)";
    case SSOCK_ALERT_INSUFFICIENT_SECURITY:
        return " (no common cipher suite?)";
    case SSOCK_ALERT_RECORD_OVERFLOW: /* a small-record build (docs/DEVICE.md), either side */
        return " (a record or handshake message larger than its receiver takes)";
    default:
        if (alert >= SSOCK_ALERT_BAD_CERTIFICATE && alert <= SSOCK_ALERT_ACCESS_DENIED &&
            alert != 47) { /* 42..46, 48, 49: the peer refused our certificate */
            return " (the peer does not accept our certificate)";
        }
        return "";
    }
}

static const char *ssock_error_hint(int err)
{
    switch (err) {
    case SOCK_SECURE_E_PSK_IDENTITY:
        return " (unknown PSK identity)";
    case SOCK_SECURE_E_NO_SUITE:
        return " (no common cipher suite?)";
    case SOCK_SECURE_E_BAD_RECORD:
        return " (wrong PSK?)";
    default:
        return "";
    }
}

const char *ssock_strerror(int err, bool stream)
{
    const char *text;

    text = sock_secure_strerror(err);
    if (stream && err < 0 && err > -1000 && strcmp(text, "unknown error") == 0) {
        return strerror(-err); /* ENETUNREACH, EHOSTUNREACH... from the TCP connection */
    }
    return text;
}

void ssock_describe_failure(const sock_secure_session_info_t *info, int err, bool stream,
                            char *buf, size_t len)
{
    if (err == SOCK_SECURE_E_VERIFY) {
        /* "certificate verification: unknown CA (sent alert unknown_ca)" */
        char sent[64] = "";

        if (info != NULL && info->alert_origin == SOCK_SECURE_ALERT_SENT) {
            snprintf(sent, sizeof sent, " (sent alert %s)", sock_secure_alert_name(info->alert));
        }
        snprintf(buf, len, "certificate verification: %s%s",
                 info != NULL && info->verify != 0 ? sock_secure_verify_reason(info->verify)
                                                   : "failed",
                 sent);
    } else if (info != NULL && info->alert_origin == SOCK_SECURE_ALERT_RECEIVED) {
        snprintf(buf, len, "peer sent alert %s%s", sock_secure_alert_name(info->alert),
                 ssock_alert_hint(info->alert));
    } else if (info != NULL && info->alert_origin == SOCK_SECURE_ALERT_SENT) {
        snprintf(buf, len, "sent alert %s%s", sock_secure_alert_name(info->alert),
                 ssock_alert_hint(info->alert));
    } else {
        snprintf(buf, len, "%s%s", ssock_strerror(err, stream), ssock_error_hint(err));
    }
}

int ssock_create_failed(int err, bool suites_given, const ssock_certs_t *certs, bool tls,
                        const char *backend)
{
    sock_secure_backend_info_t be;
    bool with_certs = certs != NULL && ssock_certs_given(certs);
    const char *proto = tls ? "TLS" : "DTLS";
    bool known;

    if (backend == NULL && tls) {
        backend = ssock_tls_backend(); /* NULL if none: the default one */
    }
    known = sock_secure_backend_info(backend, &be) == 0;
    /* what the options ask for and cannot be had is a usage error (1), as --help says */
    if (err == -ENOENT && !known) {
        ssock_error("cannot set up %s: no (D)TLS backend is built in", proto);
        return SSOCK_EXIT_IO;
    }
    if (err == SOCK_SECURE_E_CRED_MISMATCH && with_certs) {
        ssock_error("cannot set up %s: --key %s does not belong to --cert %s (%s)", proto,
                    certs->key ? certs->key : "?", certs->cert ? certs->cert : "?",
                    sock_secure_strerror(err));
    } else if (err == -ENOTSUP && with_certs && known && !(be.caps & SOCK_SECURE_CAP_X509)) {
        ssock_error("cannot set up %s: backend %s has no certificate support", proto, be.name);
    } else if (err == -ENOTSUP && with_certs && known && ssock_certs_caps(certs) != 0 &&
               !(be.caps & SOCK_SECURE_CAP_RPK)) {
        ssock_error("cannot set up %s: backend %s has no raw public keys (RFC 7250)", proto,
                    be.name);
    } else if (err == -EINVAL && with_certs) {
        ssock_error("cannot set up %s: %s: the certificate options do not fit together "
                    "(--cert needs --key; --verify optional/required needs --ca or "
                    "--peer-key)", proto, sock_secure_strerror(err));
    } else if (err == -ENOTSUP && suites_given) {
        ssock_error("cannot set up %s: backend %s does not implement a suite of --ciphers "
                    "(or %s with PSK)", proto, known ? be.name : "?", proto);
    } else if (err == -ENOTSUP) {
        ssock_error("cannot set up %s: backend %s cannot do what the options ask (%s; "
                    "'ssock --version' lists what it supports)", proto, known ? be.name : "?",
                    sock_secure_strerror(err));
    } else {
        ssock_error("cannot set up %s: %s", proto, sock_secure_strerror(err));
        return ssock_exit_status(err);
    }
    return SSOCK_EXIT_USAGE;
}

int ssock_parse_backend(const char *cmd, const char *name)
{
    sock_secure_backend_info_t be;
    const char *known;
    char list[256];
    size_t used = 0;

    if (*name != '\0' && sock_secure_backend_info(name, &be) == 0) {
        return 0;
    }
    list[0] = '\0';
    for (size_t i = 0; (known = sock_secure_backend_name(i)) != NULL; i++) {
        int n = snprintf(list + used, sizeof list - used, "%s%s", i > 0 ? ", " : "", known);

        if (n < 0 || (size_t)n >= sizeof list - used) {
            break;
        }
        used += (size_t)n;
    }
    ssock_usage_error(cmd, "--backend: unknown backend '%s' (built in: %s)", name,
                      used > 0 ? list : "none");
    return -1;
}

/* Does backend @p be do TLS over streams? */
static bool ssock_does_tls(const sock_secure_backend_info_t *be)
{
    return (be->caps & SOCK_SECURE_CAP_TLS) != 0;
}

const char *ssock_tls_backend(void)
{
    sock_secure_backend_info_t be;
    const char *name;

    for (size_t i = 0; (name = sock_secure_backend_name(i)) != NULL; i++) {
        if (sock_secure_backend_info(name, &be) == 0 && ssock_does_tls(&be)) {
            return be.name;
        }
    }
    return NULL;
}

/* What the options need that a backend lacks, for an error message: the first of @p missing. */
static const char *ssock_need_name(uint32_t missing)
{
    return (missing & SOCK_SECURE_CAP_RPK)          ? "raw public keys (RFC 7250)"
           : (missing & SOCK_SECURE_CAP_RESUMPTION) ? "session resumption"
           : (missing & SOCK_SECURE_CAP_RENEGOTIATION) ? "renegotiation"
           : (missing & SOCK_SECURE_CAP_PSK_FOR_HINT)
               ? "client PSK choice by the server's hint (--psk-for-hint: its client never "
                 "hands the hint over; mbedTLS 2.28 drops it)"
                                                       : "a capability the options need";
}

int ssock_pick_backend(sock_secure_config_t *cfg, bool tls, const char *backend, uint32_t caps)
{
    if (backend == NULL && caps != 0) {
        /* the first backend that has what the options need (raw public keys, resumption...) */
        sock_secure_backend_info_t be;
        const char *name;
        for (size_t i = 0; (name = sock_secure_backend_name(i)) != NULL; i++) {
            if (sock_secure_backend_info(name, &be) == 0 && (be.caps & caps) == caps &&
                (tls ? ssock_does_tls(&be) : (be.caps & SOCK_SECURE_CAP_DTLS) != 0)) {
                cfg->backend = be.name;
                return SSOCK_EXIT_OK;
            }
        }
        ssock_error("cannot set up %s: no backend built in has %s (see 'ssock --version')",
                    tls ? "TLS" : "DTLS", ssock_need_name(caps));
        return SSOCK_EXIT_USAGE;
    }
    if (backend != NULL) {
        sock_secure_backend_info_t be;

        if (sock_secure_backend_info(backend, &be) < 0) { /* checked when parsed; kept for safety */
            ssock_error("unknown backend '%s' (see 'ssock --version')", backend);
            return SSOCK_EXIT_USAGE;
        }
        if (tls && !ssock_does_tls(&be)) {
            ssock_error("cannot set up TLS: backend %s does not do TLS over TCP (see 'ssock "
                        "--version')", be.name);
            return SSOCK_EXIT_USAGE;
        }
        if (!tls && (be.caps & SOCK_SECURE_CAP_DTLS) == 0) {
            ssock_error("cannot set up DTLS: backend %s does not do DTLS (see 'ssock "
                        "--version')", be.name);
            return SSOCK_EXIT_USAGE;
        }
        if ((be.caps & caps) != caps) {
            ssock_error("cannot set up %s: backend %s has no %s (see 'ssock --version')",
                        tls ? "TLS" : "DTLS", be.name, ssock_need_name(caps & ~be.caps));
            return SSOCK_EXIT_USAGE;
        }
        cfg->backend = be.name;
        return SSOCK_EXIT_OK;
    }
    if (!tls) {
        cfg->backend = NULL; /* the default one */
        return SSOCK_EXIT_OK;
    }
    cfg->backend = ssock_tls_backend();
    if (cfg->backend == NULL) {
        ssock_error("cannot set up TLS: no backend built in does TLS over TCP (see 'ssock "
                    "--version')");
        return SSOCK_EXIT_IO;
    }
    return SSOCK_EXIT_OK;
}

void ssock_error(const char *fmt, ...)
{
    va_list ap;

    fputs("ssock: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* ssock_log_worker(): "ssock" or "ssock[worker N]" */
static char ssock_log_name[32] = "ssock";

void ssock_log_worker(unsigned worker)
{
    snprintf(ssock_log_name, sizeof ssock_log_name, "ssock[worker %u]", worker);
}

void ssock_log(const char *fmt, ...)
{
    char stamp[64];
    char line[1024]; /* one write per line: the workers of --workers share stderr */
    va_list ap;

    int n = snprintf(line, sizeof line, "%s %s: ", ssock_timestamp(stamp, sizeof stamp),
                     ssock_log_name);
    if (n < 0 || (size_t)n >= sizeof line - 1) {
        n = 0;
    }
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2) {
        len = sizeof line - 5; /* cut: say so */
        memcpy(line + len, "...", 3);
        len += 3;
    }
    line[len++] = '\n';
    fwrite(line, 1, len, stderr);
}

const char *ssock_timestamp(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    char date[32];
    char zone[8];

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || localtime_r(&ts.tv_sec, &tm) == NULL ||
        strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
        strftime(zone, sizeof zone, "%z", &tm) != 5) {
        snprintf(buf, len, "?");
        return buf;
    }
    /* RFC 3339: "+0100" becomes "+01:00" */
    snprintf(buf, len, "%s.%03ld%.3s:%.2s", date, (long)(ts.tv_nsec / 1000000), zone, zone + 3);
    return buf;
}

const char *ssock_ep_str(const sock_secure_ep_t *ep, char *buf, size_t len)
{
    if (sock_secure_ep_format(ep, buf, len) < 0 && len > 0) {
        snprintf(buf, len, "?");
    }
    return buf;
}

/* ---- event loop helpers --------------------------------------------------------------------- */

static void ssock_on_signal(int sig)
{
    (void)sig;
    ssock_interrupted = 1;
}

void ssock_install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = ssock_on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: poll() returns with EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A closed stdout (ssock server | head -1) is an error to report, not a silent death. */
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

uint64_t ssock_now_ms(void)
{
    return sock_secure_platform_now_ms(NULL);
}

/* poll() that treats EINTR as a timeout (the caller looks at ssock_interrupted). */
static int ssock_poll(struct pollfd *pfd, nfds_t n, uint32_t timeout_ms)
{
    int t = timeout_ms > (uint32_t)INT_MAX ? -1 : (int)timeout_ms;
    int rc;

    if (ssock_interrupted) {
        return 0;
    }
    rc = poll(pfd, n, t);
    if (rc < 0) {
        return errno == EINTR ? 0 : -errno;
    }
    return rc;
}

int ssock_wait_fds(int fd_net, int fd_in, uint32_t timeout_ms, bool *in_ready)
{
    struct pollfd pfd[2];
    nfds_t n = 1;
    int rc;

    if (in_ready != NULL) {
        *in_ready = false;
    }
    pfd[0].fd = fd_net;
    pfd[0].events = POLLIN;
    pfd[0].revents = 0;
    if (fd_in >= 0) {
        pfd[1].fd = fd_in;
        pfd[1].events = POLLIN;
        pfd[1].revents = 0;
        n = 2;
    }
    rc = ssock_poll(pfd, n, timeout_ms);
    if (rc < 0) {
        return rc;
    }
    if (n == 2 && in_ready != NULL && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        *in_ready = true;
    }
    return 0;
}

/* The descriptors poll() must watch for @p net: the UDP socket, or what the TCP transport
 * waits for (sock_secure_tcp_pollfds). @return how many were filled. */
static size_t ssock_net_fds(const sock_secure_transport_t *net, struct pollfd *pfd, size_t max)
{
    if ((net->flags & SOCK_SECURE_TRANSPORT_STREAM) != 0) {
        int n = sock_secure_tcp_pollfds((const sock_secure_tcp_t *)(const void *)net, NULL, pfd, max);
        return n > 0 ? (size_t)n : 0;
    }
    if (max == 0) {
        return 0;
    }
    pfd[0] = (struct pollfd){ .fd = ((const sock_secure_udp_t *)(const void *)net)->fd,
                              .events = POLLIN,
                              .revents = 0 };
    return 1;
}

int ssock_wait(sock_secure_transport_t *net, int fd_in, uint32_t timeout_ms, bool *in_ready)
{
    struct pollfd pfd[SSOCK_MAX_SESSIONS + 2]; /* stdin, a listener, the connections */
    bool stream = (net->flags & SOCK_SECURE_TRANSPORT_STREAM) != 0;
    nfds_t n = 0;
    int rc;

    if (in_ready != NULL) {
        *in_ready = false;
    }
    if (ssock_interrupted) {
        return 0;
    }
    if (stream && fd_in < 0) {
        rc = sock_secure_transport_wait(net, timeout_ms);
        return (rc < 0 && rc != -ENOTCONN) ? rc : 0; /* -ENOTCONN: nothing open (yet) */
    }
    if (stream && sock_secure_transport_wait(net, 0) > 0) {
        timeout_ms = 0; /* work waits already (e.g. an end to report): just look at stdin */
    }
    if (fd_in >= 0) {
        pfd[n].fd = fd_in;
        pfd[n].events = POLLIN;
        pfd[n++].revents = 0;
    }
    n += (nfds_t)ssock_net_fds(net, pfd + n, sizeof pfd / sizeof pfd[0] - (size_t)n);
    rc = ssock_poll(pfd, n, timeout_ms);
    if (rc < 0) {
        return rc;
    }
    if (fd_in >= 0 && in_ready != NULL && (pfd[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        *in_ready = true;
    }
    if (stream && rc > 0) {
        (void)sock_secure_transport_wait(net, 0); /* the transport notes writability and finished connects */
    }
    return 0;
}

bool ssock_output_blocked(const sock_secure_transport_t *net)
{
    return (net->flags & SOCK_SECURE_TRANSPORT_STREAM) != 0 &&
           sock_secure_tcp_output_blocked((const sock_secure_tcp_t *)(const void *)net, NULL);
}

int ssock_write_raw(const uint8_t *data, size_t len)
{
    if (len > 0 && fwrite(data, 1, len, stdout) != len) {
        return -EIO;
    }
    return (fflush(stdout) != 0 || ferror(stdout)) ? -EIO : 0;
}

int ssock_print_record(const uint8_t *data, size_t len, const char *prefix)
{
    size_t start = 0;

    if (len == 0) {
        if (prefix != NULL) {
            fputs(prefix, stdout);
        }
        fputc('\n', stdout);
    }
    while (start < len) {
        const uint8_t *nl = memchr(data + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - data) : len;

        if (prefix != NULL) {
            fputs(prefix, stdout);
        }
        fwrite(data + start, 1, end - start, stdout);
        fputc('\n', stdout);
        start = end + 1;
    }
    return (fflush(stdout) != 0 || ferror(stdout)) ? -EIO : 0;
}

int ssock_udp_open(sock_secure_udp_t *udp, const sock_secure_ep_t *local, const char *what)
{
    int rc = sock_secure_udp_open(udp, local);

    if (rc < 0 && what != NULL) {
        char ep[SOCK_SECURE_EP_STRLEN];

        ssock_error("cannot open the %s UDP socket on %s: %s", what,
                    local ? ssock_ep_str(local, ep, sizeof ep) : "[::]:0",
                    rc > -1000 ? strerror(-rc) : sock_secure_strerror(rc));
    }
    return rc;
}

/* Append @p len bytes of @p id to @p out as text: printable ASCII as is (but '"' and '\\'),
 * the rest as \xHH. */
void ssock_quote(char *out, size_t size, const uint8_t *id, size_t len)
{
    size_t used = strlen(out);

    for (size_t i = 0; i < len && used + 5 < size; i++) {
        if (id[i] >= 0x20 && id[i] < 0x7f && id[i] != '"' && id[i] != '\\') {
            out[used++] = (char)id[i];
            out[used] = '\0';
        } else {
            used += (size_t)snprintf(out + used, size - used, "\\x%02x", id[i]);
        }
    }
}
