/* Replays fuzz inputs through the harnesses without libFuzzer: part of the normal test suite
 * (ctest test_fuzz_replay), so the seed corpora and every input that once crashed
 * (tests/fuzz/regressions/<harness>/) run on each build, with the sanitizers in the asan build.
 *
 *   fuzz_replay HARNESS=DIR...    runs every file of DIR through HARNESS
 *
 * A violated invariant aborts (test failure). Exit 0 when every file ran; 1 if none did. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <string.h>

#include "fuzz_common.h"
#include "secure_sock/sock_secure.h"

typedef struct {
    const char *name;
    int (*fn)(const uint8_t *data, size_t size);
} fuzz_harness_t;

static const fuzz_harness_t harnesses[] = {
    { "fuzz_server_input", fuzz_server_input },
    { "fuzz_client_input", fuzz_client_input },
    { "fuzz_endpoint", fuzz_endpoint },
    { "fuzz_dtls_hello", fuzz_dtls_hello },
    { "fuzz_creds", fuzz_creds },
};

static int replay_file(const fuzz_harness_t *h, const char *path)
{
    static uint8_t buf[1 << 16];
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    h->fn(buf, n);
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, failed = 0;
    if (sock_secure_init() < 0 || sock_secure_backend_name(0) == NULL) {
        printf("SKIPPED: no backend built\n");
        return 77;
    }
    for (int i = 1; i < argc; i++) {
        const char *eq = strchr(argv[i], '=');
        const fuzz_harness_t *h = NULL;
        for (size_t k = 0; eq != NULL && k < sizeof(harnesses) / sizeof(harnesses[0]); k++) {
            if (strlen(harnesses[k].name) == (size_t)(eq - argv[i]) &&
                strncmp(harnesses[k].name, argv[i], (size_t)(eq - argv[i])) == 0) {
                h = &harnesses[k];
            }
        }
        if (h == NULL) {
            fprintf(stderr, "usage: %s HARNESS=DIR... (bad argument '%s')\n", argv[0], argv[i]);
            return 2;
        }
        DIR *dir = opendir(eq + 1);
        if (dir == NULL) {
            continue; /* no regressions for this harness yet */
        }
        int here = 0;
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            if (e->d_name[0] == '.') {
                continue;
            }
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", eq + 1, e->d_name);
            if (replay_file(h, path) < 0) {
                failed++;
            } else {
                here++;
            }
        }
        closedir(dir);
        printf("%s: %d inputs from %s\n", h->name, here, eq + 1);
        files += here;
    }
    printf("%d inputs replayed, %d unreadable\n", files, failed);
    return files > 0 && failed == 0 ? 0 : 1;
}
