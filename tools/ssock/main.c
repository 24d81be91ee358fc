/**
 * @file main.c
 * @brief ssock: subcommand dispatch, --version and the top-level --help.
 */
#include <stdio.h>
#include <string.h>

#include "ssock.h"

static void ssock_print_help(FILE *out)
{
    fputs("usage: ssock COMMAND [OPTIONS]\n"
          "\n"
          "DTLS 1.2 over UDP, or TLS 1.2 over TCP (--tls), with pre-shared keys or\n"
          "certificates, using the secure_sock library.\n"
          "\n"
          "commands:\n"
          "  demo      a server and a client in one process over loopback: try this first\n"
          "  server    accept DTLS (--tls: TLS) sessions and print (or --echo) what peers send\n"
          "  client    connect to a server, send stdin line by line (--tls: as a byte stream),\n"
          "            print the replies\n"
          "\n"
          "  ssock --version      the tool, the (D)TLS backends built in and what they support\n"
          "  ssock COMMAND --help the options of COMMAND\n"
          "\n"
          "example:\n"
          "  ssock server --psk me:00112233445566778899aabbccddeeff --echo -v\n"
          "  echo hello | ssock client [::1]:5684 --psk me:00112233445566778899aabbccddeeff\n"
          "  ssock server --cert server.crt --key server.key --echo\n"
          "  echo hello | ssock client [::1]:5684 --ca ca.crt --servername server.test\n"
          "  ssock server --tls --psk me:00112233445566778899aabbccddeeff --echo\n"
          "  ssock client --tls [::1]:4433 --psk me:00112233445566778899aabbccddeeff <file\n"
          "\n"
          "exit status: 0 ok, 1 usage error (or options the backend cannot honour),\n"
          "2 handshake failed, 3 no answer (timed out, or connection refused), 4 other error\n"
          "\n"
          "man ssock (docs/ssock.1) describes every option.\n",
          out);
}

/* Capability flags by name, in the order of types.h. */
static void ssock_print_caps(uint32_t caps)
{
    static const struct {
        uint32_t flag;
        const char *name;
    } names[] = {
        { SOCK_SECURE_CAP_DTLS, "DTLS" },
        { SOCK_SECURE_CAP_TLS, "TLS" },
        { SOCK_SECURE_CAP_TLS13, "TLS13" },
        { SOCK_SECURE_CAP_PSK, "PSK" },
        { SOCK_SECURE_CAP_X509, "X509" },
        { SOCK_SECURE_CAP_RPK, "RPK" },
        { SOCK_SECURE_CAP_RESUMPTION, "RESUMPTION" },
        { SOCK_SECURE_CAP_RENEGOTIATION, "RENEGOTIATION" },
        { SOCK_SECURE_CAP_CID, "CID" },
        { SOCK_SECURE_CAP_SAVE_RESTORE, "SAVE_RESTORE" },
        { SOCK_SECURE_CAP_PSK_HINT, "PSK_HINT" },
        { SOCK_SECURE_CAP_CLIENT_SERVER, "CLIENT_SERVER" },
        { SOCK_SECURE_CAP_PSK_PER_SESSION, "PSK_PER_SESSION" },
        { SOCK_SECURE_CAP_PEER_SUBJECT, "PEER_SUBJECT" },
        { SOCK_SECURE_CAP_PSK_FOR_HINT, "PSK_FOR_HINT" },
    };
    uint32_t known = 0;

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        known |= names[i].flag;
        if (caps & names[i].flag) {
            printf(" %s", names[i].name);
        }
    }
    if (caps & ~known) {
        printf(" 0x%lx", (unsigned long)(caps & ~known));
    }
}

static int ssock_version(void)
{
    const char *name;
    size_t i;

    printf("ssock %s (secure_sock)\n", SSOCK_VERSION);
    for (i = 0; (name = sock_secure_backend_name(i)) != NULL; i++) {
        sock_secure_backend_info_t be;

        if (sock_secure_backend_info(name, &be) < 0) {
            continue;
        }
        printf("backend %s %s:", be.name, be.version[0] ? be.version : "(unknown version)");
        ssock_print_caps(be.caps);
        printf("%s\n", i == 0 ? " (default)" : "");
    }
    if (i == 0) {
        printf("no (D)TLS backend built in: rebuild with mbedTLS installed\n");
    }
    return fflush(stdout) == 0 ? SSOCK_EXIT_OK : SSOCK_EXIT_IO;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } commands[] = {
        { "server", ssock_server_main },
        { "client", ssock_client_main },
        { "demo", ssock_demo_main },
    };
    int rc = sock_secure_init();

    if (rc < 0) {
        ssock_error("cannot register the (D)TLS backends: %s", sock_secure_strerror(rc));
        return SSOCK_EXIT_IO;
    }
    if (argc < 2) {
        return ssock_usage_error(NULL, "missing command: demo, server or client");
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        ssock_print_help(stdout);
        return SSOCK_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        if (argc > 2) {
            return ssock_usage_error(NULL, "--version takes no arguments");
        }
        return ssock_version();
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(argv[1], commands[i].name) == 0) {
            return commands[i].run(argc - 1, argv + 1);
        }
    }
    if (argv[1][0] == '-') {
        return ssock_usage_error(NULL, "unknown option '%s'", argv[1]);
    }
    return ssock_usage_error(NULL, "unknown command '%s'", argv[1]);
}
