/* The credential store: copies, tags, limits, zeroing on removal, validation hook, files, and
 * PSKs taken from the store by real handshakes. */
#include <stdlib.h>
#include <unistd.h>

#include "secure_sock/mem.h"
#include "secure_sock/posix/creds.h"
#include "secure_sock/sock_secure.h"
#include "node.h"
#include "pki.h"
#include "testutil.h"

/* A stand-in registered first, so the store's validation hook is under the test's control. */
static int check_rc;
static int checks_seen;
static int fake_check(int type, const uint8_t *data, size_t len)
{
    (void)type;
    (void)data;
    (void)len;
    checks_seen++;
    return check_rc;
}
static tlsman_driver_t fake;

static sock_secure_creds_t store;

static void pem_is_stored_nul_terminated_and_found_by_tag(void)
{
    static const char pem[] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    CHECK_EQ(sock_secure_creds_init(&store), 0);
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_CA, pem, strlen(pem)), 0);
    size_t cursor = 0, len = 0;
    const uint8_t *data = NULL;
    CHECK_EQ(sock_secure_creds_find(&store, 1, SOCK_SECURE_CRED_CA, &cursor, &data, &len), 0);
    CHECK_EQ(len, strlen(pem) + 1);
    CHECK(data != NULL && data[len - 1] == '\0' && memcmp(data, pem, strlen(pem)) == 0);
    CHECK_EQ(sock_secure_creds_find(&store, 1, SOCK_SECURE_CRED_CA, &cursor, &data, &len),
             -ENOENT);
    cursor = 0;
    CHECK_EQ(sock_secure_creds_find(&store, 2, SOCK_SECURE_CRED_CA, &cursor, &data, &len),
             -ENOENT);
    /* with its NUL already: stored as given */
    CHECK_EQ(sock_secure_creds_add(&store, 2, SOCK_SECURE_CRED_CA, pem, sizeof(pem)), 0);
    cursor = 0;
    CHECK_EQ(sock_secure_creds_find(&store, 2, 0, &cursor, &data, &len), 1);
    CHECK_EQ(len, sizeof(pem));
    /* DER (binary) is stored exactly */
    static const uint8_t der[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
    CHECK_EQ(sock_secure_creds_add(&store, 2, SOCK_SECURE_CRED_PEER_KEY, der, sizeof(der)), 0);
    cursor = 0;
    CHECK_EQ(sock_secure_creds_find(&store, 2, SOCK_SECURE_CRED_PEER_KEY, &cursor, &data, &len), 2);
    CHECK_EQ(len, sizeof(der));
}

static void bad_arguments_and_duplicates_are_refused(void)
{
    static const uint8_t der[] = { 0x30, 0x00 };
    CHECK_EQ(sock_secure_creds_init(NULL), -EINVAL);
    CHECK_EQ(sock_secure_creds_init(&store), 0);
    CHECK_EQ(sock_secure_creds_add(NULL, 1, SOCK_SECURE_CRED_CA, der, 2), -EINVAL);
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_CA, NULL, 2), -EINVAL);
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_CA, der, 0), -EINVAL);
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_PSK, der, 2), -EINVAL);
    CHECK_EQ(sock_secure_creds_add(&store, 1, (sock_secure_cred_type_t)9, der, 2), -EINVAL);
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_CA, der, 2), 0);
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_CA, der, 2), -EEXIST);
    CHECK_EQ(sock_secure_creds_add(&store, 2, SOCK_SECURE_CRED_CA, der, 2), 0);
    /* pinned keys: a trust list per tag, each key once */
    static const uint8_t pk1[] = { 0x30, 0x01, 0x01 }, pk2[] = { 0x30, 0x01, 0x02 };
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_PEER_KEY, pk1, 3), 0);
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_PEER_KEY, pk2, 3), 0);
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_PEER_KEY, pk1, 3), -EEXIST);
    CHECK_EQ(sock_secure_creds_add(&store, 2, SOCK_SECURE_CRED_PEER_KEY, pk1, 3), 0);
    size_t cursor = 0, pinned = 0;
    while (sock_secure_creds_find(&store, 1, SOCK_SECURE_CRED_PEER_KEY, &cursor, NULL, NULL) >= 0) {
        pinned++;
    }
    CHECK_EQ(pinned, 2u);
    CHECK_EQ(sock_secure_creds_remove(&store, 1, SOCK_SECURE_CRED_PEER_KEY), 2);
    CHECK_EQ(sock_secure_creds_remove(&store, 2, SOCK_SECURE_CRED_PEER_KEY), 1);
    CHECK_EQ(sock_secure_creds_add_psk(&store, 1, "id", 2, "k", 1), 0);
    CHECK_EQ(sock_secure_creds_add_psk(&store, 1, "id", 2, "other", 5), -EEXIST);
    CHECK_EQ(sock_secure_creds_add_psk(&store, 1, "id2", 3, "k", 1), 0);
    CHECK_EQ(sock_secure_creds_add_psk(&store, 1, "id", 0, "k", 1), -EINVAL);
    CHECK_EQ(sock_secure_creds_add_psk(&store, 1, "id", 2, "k", 0), -EINVAL);
    static uint8_t long_key[CONFIG_SOCK_SECURE_PSK_KEY_MAX + 1];
    CHECK_EQ(sock_secure_creds_add_psk(&store, 1, "id3", 3, long_key, sizeof(long_key)), -EINVAL);
    CHECK_EQ(sock_secure_creds_remove(NULL, 1, 0), -EINVAL);
    CHECK_EQ(sock_secure_creds_remove(&store, 99, 0), 0);
    sock_secure_psk_t p;
    CHECK_EQ(sock_secure_creds_psk(&store, 0, &p), -EINVAL); /* entry 0 is a CA */
    CHECK_EQ(sock_secure_creds_psk(&store, 2, &p), 0);
    CHECK(p.identity_len == 2 && memcmp(p.identity, "id", 2) == 0 && p.key_len == 1);
    CHECK_EQ(sock_secure_creds_psk(&store, 99, &p), -EINVAL);
}

static void full_table_and_full_arena_say_enomem(void)
{
    static uint8_t blob[CONFIG_SOCK_SECURE_CRED_ARENA];
    memset(blob, 0x42, sizeof(blob));
    CHECK_EQ(sock_secure_creds_init(&store), 0);
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_CA, blob, sizeof(blob) + 0), 0);
    CHECK_EQ(sock_secure_creds_add_psk(&store, 2, "x", 1, "y", 1), -ENOMEM);
    CHECK_EQ(sock_secure_creds_remove(&store, 1, SOCK_SECURE_CRED_CA), 1);
    CHECK(!tu_arena_contains(&store, "\x42\x42\x42\x42", 4));
    for (uint32_t t = 0; t < CONFIG_SOCK_SECURE_CRED_MAX; t++) {
        CHECK_EQ(sock_secure_creds_add(&store, t, SOCK_SECURE_CRED_CA, blob, 8), 0);
    }
    CHECK_EQ(sock_secure_creds_add(&store, 100, SOCK_SECURE_CRED_CA, blob, 8), -ENOMEM);
}

static void removal_zeroes_and_keeps_the_others_intact_in_order(void)
{
    static const uint8_t secret[] = "0123456789abcdefSECRETKEY";
    CHECK_EQ(sock_secure_creds_init(&store), 0);
    CHECK_EQ(sock_secure_creds_add_psk(&store, 5, "first", 5, "k1k1k1k1", 8), 0);
    CHECK_EQ(sock_secure_creds_add(&store, 5, SOCK_SECURE_CRED_PRIVATE_KEY, secret,
                                   sizeof(secret)), 0);
    CHECK_EQ(sock_secure_creds_add_psk(&store, 5, "second", 6, "k2k2k2k2", 8), 0);
    CHECK_EQ(sock_secure_creds_add_psk(&store, 6, "third", 5, "k3k3k3k3", 8), 0);
    CHECK(tu_arena_contains(&store, "SECRETKEY", 9));
    CHECK_EQ(sock_secure_creds_remove(&store, 5, SOCK_SECURE_CRED_PRIVATE_KEY), 1);
    CHECK(!tu_arena_contains(&store, "SECRETKEY", 9));
    size_t cursor = 0;
    int i;
    const char *expect[] = { "first", "second" };
    int n = 0;
    while ((i = sock_secure_creds_find(&store, 5, SOCK_SECURE_CRED_PSK, &cursor, NULL, NULL)) >=
           0) {
        sock_secure_psk_t p;
        CHECK_EQ(sock_secure_creds_psk(&store, i, &p), 0);
        CHECK(n < 2 && p.identity_len == strlen(expect[n]) &&
              memcmp(p.identity, expect[n], p.identity_len) == 0);
        CHECK_MEM(p.key, n == 0 ? "k1k1k1k1" : "k2k2k2k2", 8);
        n++;
    }
    CHECK_EQ(n, 2);
    CHECK_EQ(sock_secure_creds_remove(&store, 5, 0), 2);
    CHECK(!tu_arena_contains(&store, "k1k1", 4) && !tu_arena_contains(&store, "k2k2", 4));
    CHECK(tu_arena_contains(&store, "k3k3", 4));
    CHECK_EQ(store.used, 5 + 8);
}

static void a_credential_the_backend_rejects_leaves_nothing_behind(void)
{
    CHECK_EQ(sock_secure_creds_init(&store), 0);
    check_rc = SOCK_SECURE_E_CRED_TYPE;
    int before = checks_seen;
    CHECK_EQ(sock_secure_creds_add(&store, 1, SOCK_SECURE_CRED_PRIVATE_KEY, "NOTAKEY-TOPSECRET",
                                   17), SOCK_SECURE_E_CRED_TYPE);
    CHECK_EQ(checks_seen, before + 1);
    CHECK_EQ(store.used, 0);
    CHECK(!tu_arena_contains(&store, "TOPSECRET", 9));
    size_t cursor = 0;
    CHECK_EQ(sock_secure_creds_find(&store, 1, 0, &cursor, NULL, NULL), -ENOENT);
    check_rc = 0;
}

static void files_are_read_into_the_store(void)
{
    char path[] = "/tmp/ss_creds_XXXXXX";
    int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    static const char pem[] = "-----BEGIN PUBLIC KEY-----\nBBBB\n-----END PUBLIC KEY-----\n";
    CHECK_EQ(write(fd, pem, strlen(pem)), (long)strlen(pem));
    close(fd);
    CHECK_EQ(sock_secure_creds_init(&store), 0);
    CHECK_EQ(sock_secure_creds_add_file(&store, 3, SOCK_SECURE_CRED_PEER_KEY, path), 0);
    size_t cursor = 0, len;
    const uint8_t *data;
    CHECK_EQ(sock_secure_creds_find(&store, 3, SOCK_SECURE_CRED_PEER_KEY, &cursor, &data, &len), 0);
    CHECK(len == strlen(pem) + 1 && memcmp(data, pem, strlen(pem)) == 0);
    CHECK_EQ(sock_secure_creds_add_file(&store, 4, SOCK_SECURE_CRED_CA, "/nonexistent/x.pem"),
             -ENOENT);
    CHECK_EQ(sock_secure_creds_add_file(&store, 4, SOCK_SECURE_CRED_CA, "/tmp"), -EINVAL);
    CHECK_EQ(sock_secure_creds_add_file(&store, 4, SOCK_SECURE_CRED_CA, NULL), -EINVAL);
    unlink(path);
}

/* ---- PSKs from the store in real handshakes -------------------------------------------------- */

static int open_node(tu_node_t *n, const char *addr, sock_secure_role_t role,
                     const sock_secure_creds_t *st, const uint32_t *tags)
{
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, role, "mbedtls", 2);
    cfg.creds = st;
    cfg.cred_tags = tags;
    cfg.cred_tag_count = 1;
    return tu_node_open_cfg(n, addr, &cfg);
}

static int handshake_with(tu_node_t *server, tu_node_t *client)
{
    sock_secure_session_t *s = NULL;
    sock_secure_ep_t srv = tu_ep("[fd00::1]:5684");
    int rc = sock_secure_connect(&client->sock, &srv, &s, 0);
    for (int i = 0; i < 50 && rc == -EINPROGRESS; i++) {
        sock_secure_process(&server->sock);
        sock_secure_process(&client->sock);
        sock_secure_session_info_t info;
        if (sock_secure_session_info(s, &info) == 0 && info.state != SOCK_SECURE_ST_HANDSHAKE) {
            rc = info.state == SOCK_SECURE_ST_OPEN ? 0 : info.alert;
        }
    }
    return rc;
}

static void psks_in_the_store_serve_handshakes_until_removed(void)
{
    if (sock_secure_driver("mbedtls") == NULL) {
        printf("note: mbedtls not built; store handshake scenario not run\n");
        return;
    }
    static sock_secure_creds_t server_store, client_store;
    static tu_node_t server, client;
    static const uint32_t server_tag = 7, client_tag = 1;
    tu_net_start();
    CHECK_EQ(sock_secure_creds_init(&server_store), 0);
    CHECK_EQ(sock_secure_creds_init(&client_store), 0);
    CHECK_EQ(sock_secure_creds_add_psk(&server_store, server_tag, "dev-a", 5, "0123456789abcdef",
                                       16), 0);
    CHECK_EQ(sock_secure_creds_add_psk(&server_store, server_tag, "dev-b", 5, "fedcba9876543210",
                                       16), 0);
    CHECK_EQ(sock_secure_creds_add_psk(&client_store, client_tag, "dev-b", 5, "fedcba9876543210",
                                       16), 0);
    CHECK_EQ(open_node(&server, "[fd00::1]:5684", SOCK_SECURE_SERVER, &server_store, &server_tag),
             0);
    CHECK_EQ(open_node(&client, "[fd00::2]:5684", SOCK_SECURE_CLIENT, &client_store, &client_tag),
             0);
    CHECK_EQ(handshake_with(&server, &client), 0);
    /* the server forgets dev-b: the next handshake with that identity is refused */
    CHECK_EQ(sock_secure_creds_remove(&server_store, server_tag, SOCK_SECURE_CRED_PSK), 2);
    tu_node_close(&client);
    CHECK_EQ(open_node(&client, "[fd00::3]:5684", SOCK_SECURE_CLIENT, &client_store, &client_tag),
             0);
    CHECK_EQ(handshake_with(&server, &client), 115); /* unknown_psk_identity */
    tu_node_close(&client);
    tu_node_close(&server);
}

int main(void)
{
    fake = (tlsman_driver_t){ .name = "fake-first", .cred_check = fake_check };
    if (sock_secure_register(&fake) < 0 || sock_secure_init() < 0) {
        return 1;
    }
    RUN(pem_is_stored_nul_terminated_and_found_by_tag);
    RUN(bad_arguments_and_duplicates_are_refused);
    RUN(full_table_and_full_arena_say_enomem);
    RUN(removal_zeroes_and_keeps_the_others_intact_in_order);
    RUN(a_credential_the_backend_rejects_leaves_nothing_behind);
    RUN(files_are_read_into_the_store);
    RUN(psks_in_the_store_serve_handshakes_until_removed);
    return tu_exit();
}
