/* An application compiled with other CONFIG_* values than the library: this file is built three
 * times with one value changed (tests/CMakeLists.txt: test_abi_mismatch_socket, _session,
 * _creds) and linked against the build's own library, which has the defaults. The public
 * structs then differ in size between the two; the library must say so (SOCK_SECURE_E_ABI)
 * before it writes a byte with its own layout, instead of corrupting the application's memory.
 * Every struct is followed by canary bytes, and is itself filled with them: nothing may change
 * (under ASan a write past the application's struct would also fail the test). */
#include <stdlib.h>

#include "secure_sock/mem.h"
#include "secure_sock/posix/creds.h"
#include "secure_sock/sock_secure.h"
#include "testutil.h"

#if !defined(SS_ABI_CASE_SOCKET) && !defined(SS_ABI_CASE_SESSION) && !defined(SS_ABI_CASE_CREDS)
#error "build with -DSS_ABI_CASE_SOCKET, _SESSION or _CREDS and the matching CONFIG value"
#endif

#define CANARY 0xA5u

static struct {
    sock_secure_t sock;
    uint8_t after[64];
} app_sock;

static struct {
    sock_secure_session_t slots[2];
    uint8_t after[64];
} app_slots;

static struct {
    sock_secure_creds_t store;
    uint8_t after[64];
} app_creds;

static bool all_canary(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        if (b[i] != CANARY) {
            return false;
        }
    }
    return true;
}

static const char *self_path;
static const uint8_t id[] = "dev1";
static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

/* sock_secure_config_init() reports the mismatch and records only the layout: no default is
 * written with the library's idea of where the fields are. */
static void config_init_reports_the_mismatch(void)
{
    sock_secure_config_t cfg;
    memset(&cfg, (int)CANARY, sizeof(cfg));
    CHECK_EQ(sock_secure_config_init(&cfg), SOCK_SECURE_E_ABI);
    CHECK_EQ(cfg.abi.version, SOCK_SECURE_ABI_VERSION);
    CHECK_EQ(cfg.abi.sock_size, sizeof(sock_secure_t));
    CHECK_EQ(cfg.abi.session_size, sizeof(sock_secure_session_t));
    CHECK_EQ(cfg.abi.creds_size, sizeof(sock_secure_creds_t));
    CHECK(all_canary((const uint8_t *)&cfg + sizeof(cfg.abi), sizeof(cfg) - sizeof(cfg.abi)));
}

/* create() refuses the configuration and leaves the socket and the slots alone, whatever else
 * the configuration says (here a complete, valid PSK client on a memory link). */
static void create_refuses_and_writes_nothing(void)
{
    static sock_secure_memnet_t net;
    static sock_secure_mem_t mem;
    sock_secure_ep_t ep;
    REQUIRE(sock_secure_ep_parse(&ep, "[fd00::2]:40000", 0) == 0);
    REQUIRE(sock_secure_memnet_init(&net) == 0);
    REQUIRE(sock_secure_mem_open(&mem, &net, &ep) == 0);
    sock_secure_psk_t psk = { id, sizeof(id) - 1, key, sizeof(key) };
    sock_secure_config_t cfg;
    (void)sock_secure_config_init(&cfg);
    cfg.transport = &mem.base;
    cfg.sessions = app_slots.slots;
    cfg.session_count = 2;
    cfg.psk = &psk;
    cfg.psk_count = 1;
    cfg.hs_timeout_initial_ms = 1000; /* the defaults config_init did not write */
    cfg.hs_timeout_max_ms = 60000;
    cfg.hs_max_retransmit = 6;
    memset(&app_sock, (int)CANARY, sizeof(app_sock));
    memset(&app_slots, (int)CANARY, sizeof(app_slots));
    CHECK_EQ(sock_secure_create(&app_sock.sock, &cfg), SOCK_SECURE_E_ABI);
    CHECK(all_canary(&app_sock, sizeof(app_sock)));
    CHECK(all_canary(&app_slots, sizeof(app_slots)));
    CHECK_EQ(net.sent, 0);
    /* an application cannot talk its way past the check by copying a layout from elsewhere:
     * only the library's own is accepted, and this program cannot compute it */
    cfg.abi.version++;
    CHECK_EQ(sock_secure_create(&app_sock.sock, &cfg), SOCK_SECURE_E_ABI);
    CHECK(all_canary(&app_sock, sizeof(app_sock)));
    /* the error names the cause */
    const char *text = sock_secure_strerror(SOCK_SECURE_E_ABI);
    CHECK(strstr(text, "CONFIG_") != NULL);
    printf("  %s\n", text);
    sock_secure_transport_close(&mem.base);
}

/* The credential store: init refuses a store of another size (marking only its first word),
 * and every function then refuses it without touching it. */
static void a_store_of_another_size_is_refused_untouched(void)
{
    memset(&app_creds, (int)CANARY, sizeof(app_creds));
    int rc = sock_secure_creds_init(&app_creds.store);
#ifdef SS_ABI_CASE_CREDS
    CHECK_EQ(rc, SOCK_SECURE_E_ABI);
    CHECK_EQ(app_creds.store.size, 0);
    CHECK(all_canary((const uint8_t *)&app_creds + sizeof(app_creds.store.size),
                     sizeof(app_creds) - sizeof(app_creds.store.size)));
    CHECK_EQ(sock_secure_creds_add_psk(&app_creds.store, 1, id, sizeof(id) - 1, key, sizeof(key)),
             SOCK_SECURE_E_ABI);
    CHECK_EQ(sock_secure_creds_add(&app_creds.store, 1, SOCK_SECURE_CRED_CA, "x", 1),
             SOCK_SECURE_E_ABI);
    CHECK_EQ(sock_secure_creds_add_file(&app_creds.store, 1, SOCK_SECURE_CRED_CA, self_path),
             SOCK_SECURE_E_ABI); /* a regular file (this program): refused before it is read */
    CHECK_EQ(sock_secure_creds_remove(&app_creds.store, 1, 0), SOCK_SECURE_E_ABI);
    size_t cursor = 0;
    CHECK_EQ(sock_secure_creds_find(&app_creds.store, 1, 0, &cursor, NULL, NULL),
             SOCK_SECURE_E_ABI);
    sock_secure_psk_t p;
    CHECK_EQ(sock_secure_creds_psk(&app_creds.store, 0, &p), SOCK_SECURE_E_ABI);
    CHECK(all_canary((const uint8_t *)&app_creds + sizeof(app_creds.store.size),
                     sizeof(app_creds) - sizeof(app_creds.store.size)));
#else
    /* the store's size is the library's in this build: it works */
    CHECK_EQ(rc, 0);
    CHECK_EQ(sock_secure_creds_add_psk(&app_creds.store, 1, id, sizeof(id) - 1, key, sizeof(key)),
             0);
    CHECK(all_canary(app_creds.after, sizeof(app_creds.after)));
#endif
}

int main(int argc, char **argv)
{
    self_path = argc > 0 ? argv[0] : "";
#if defined(SS_ABI_CASE_SOCKET)
    printf("application: CONFIG_SOCK_SECURE_MAX_DATAGRAM=%d (library: the default)\n",
           CONFIG_SOCK_SECURE_MAX_DATAGRAM);
#elif defined(SS_ABI_CASE_SESSION)
    printf("application: CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE=%d (library: its own)\n",
           CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE);
#else
    printf("application: CONFIG_SOCK_SECURE_CRED_ARENA=%d (library: the default)\n",
           CONFIG_SOCK_SECURE_CRED_ARENA);
#endif
    RUN(config_init_reports_the_mismatch);
    RUN(create_refuses_and_writes_nothing);
    RUN(a_store_of_another_size_is_refused_untouched);
    return tu_exit();
}
