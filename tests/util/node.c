#include "node.h"

#include <errno.h>
#include <string.h>

#include "pki.h"
#include "testutil.h"

static const uint8_t key_a[16] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                   0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
static const uint8_t key_b[16] = { 0xff, 0xee, 0xdd, 0xcc, 0xbb, 0xaa, 0x99, 0x88,
                                   0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0x00 };

const sock_secure_psk_t tu_psk_a = { (const uint8_t *)"dev-a", 5, key_a, sizeof(key_a) };
const sock_secure_psk_t tu_psk_a_wrong = { (const uint8_t *)"dev-a", 5, key_b, sizeof(key_b) };
const sock_secure_psk_t tu_psk_unknown = { (const uint8_t *)"nobody", 6, key_a, sizeof(key_a) };

sock_secure_memnet_t tu_net;
uint64_t tu_now_ms;
uint64_t tu_clock_start = 1000;

void tu_net_start(void)
{
    tu_now_ms = tu_clock_start;
    sock_secure_memnet_init(&tu_net);
}

/* A node about to open its transport: no event counted, nothing open. */
static void node_reset(tu_node_t *n)
{
    memset(&n->ev, 0, sizeof(n->ev));
    n->up = false;
    n->transport = NULL;
}

/* The open of transport @p t returned @p rc: on success the node is on it, its address in
 * @p bound if not NULL. */
static int node_opened(tu_node_t *n, sock_secure_transport_t *t, int rc, sock_secure_ep_t *bound)
{
    if (rc == 0) {
        n->transport = t;
        if (bound != NULL) {
            sock_secure_transport_local(t, bound);
        }
    }
    return rc;
}

int tu_node_join(tu_node_t *n, const char *addr)
{
    sock_secure_ep_t ep = tu_ep(addr);
    return tu_node_join_ep(n, &ep);
}

int tu_node_join_ep(tu_node_t *n, const sock_secure_ep_t *ep)
{
    node_reset(n);
    return node_opened(n, &n->mem.base, sock_secure_mem_open(&n->mem, &tu_net, ep), NULL);
}

int tu_node_listen_tcp(tu_node_t *n, const char *addr, size_t conns, sock_secure_ep_t *bound)
{
    node_reset(n);
    if (conns > TU_NODE_SLOTS) {
        return -EINVAL;
    }
    sock_secure_ep_t ep = tu_ep(addr);
    return node_opened(n, &n->tcp.base, sock_secure_tcp_listen(&n->tcp, &ep, n->conns, conns), bound);
}

int tu_node_open_tcp(tu_node_t *n, size_t conns)
{
    node_reset(n);
    if (conns > TU_NODE_SLOTS) {
        return -EINVAL;
    }
    return node_opened(n, &n->tcp.base, sock_secure_tcp_open(&n->tcp, n->conns, conns), NULL);
}

int tu_node_open_udp(tu_node_t *n, const char *addr, sock_secure_ep_t *bound)
{
    node_reset(n);
    sock_secure_ep_t ep = tu_ep(addr);
    return node_opened(n, &n->udp.base, sock_secure_udp_open(&n->udp, &ep), bound);
}

void tu_config(sock_secure_config_t *cfg, sock_secure_role_t role, const char *backend,
               sock_secure_transport_t *transport, sock_secure_session_t *sessions, size_t count,
               const sock_secure_psk_t *psk)
{
    sock_secure_config_init(cfg);
    cfg->role = role;
    cfg->backend = backend;
    cfg->transport = transport;
    cfg->sessions = sessions;
    cfg->session_count = count;
    tu_node_psk(cfg, psk);
}

void tu_node_config(tu_node_t *n, sock_secure_config_t *cfg, sock_secure_role_t role,
                    const char *backend, size_t slots)
{
    tu_config(cfg, role, backend, n->transport, n->slots, slots, NULL);
    if (n->transport == NULL || n->transport == &n->mem.base) {
        cfg->clock = tu_clock;
        cfg->clock_arg = &tu_now_ms;
    }
    cfg->event_cb = tu_on_event;
    cfg->event_arg = n;
}

void tu_node_psk(sock_secure_config_t *cfg, const sock_secure_psk_t *psk)
{
    cfg->psk = psk;
    cfg->psk_count = psk != NULL ? 1 : 0;
}

void tu_node_one_suite(tu_node_t *n, sock_secure_config_t *cfg, uint16_t suite)
{
    n->suite = suite;
    if (suite != 0) {
        cfg->suites = &n->suite;
        cfg->suite_count = 1;
    }
}

void tu_node_use_creds(tu_node_t *n, sock_secure_config_t *cfg)
{
    n->tags[0] = TU_TAG_ID;
    n->tags[1] = TU_TAG_CA;
    cfg->creds = &n->creds;
    cfg->cred_tags = n->tags;
    cfg->cred_tag_count = 2;
}

int tu_node_create(tu_node_t *n, const sock_secure_config_t *cfg)
{
    int rc = sock_secure_create(&n->sock, cfg);
    if (rc < 0) {
        if (n->transport != NULL) {
            sock_secure_transport_close(n->transport);
            n->transport = NULL;
        }
        return rc;
    }
    n->up = true;
    return rc;
}

int tu_node_open_cfg(tu_node_t *n, const char *addr, sock_secure_config_t *cfg)
{
    int rc = tu_node_join(n, addr);
    if (rc < 0) {
        return rc;
    }
    cfg->transport = n->transport;
    return tu_node_create(n, cfg);
}

int tu_node_open(tu_node_t *n, const char *addr, sock_secure_role_t role, const char *backend,
                 size_t slots, const sock_secure_psk_t *psk)
{
    sock_secure_config_t cfg;
    tu_node_config(n, &cfg, role, backend, slots);
    tu_node_psk(&cfg, psk);
    return tu_node_open_cfg(n, addr, &cfg);
}

void tu_node_close(tu_node_t *n)
{
    if (n->up) {
        sock_secure_close(&n->sock);
        n->up = false;
    }
    if (n->transport != NULL) {
        sock_secure_transport_close(n->transport);
        n->transport = NULL;
    }
}

void tu_on_event(sock_secure_t *sock, sock_secure_session_t *s, sock_secure_event_t ev, int err,
                 void *arg)
{
    (void)sock;
    (void)s;
    tu_events_t *e = &((tu_node_t *)arg)->ev;
    switch (ev) {
    case SOCK_SECURE_EV_CONNECTED: e->connected++; break;
    case SOCK_SECURE_EV_DATA: e->data++; break;
    case SOCK_SECURE_EV_CLOSED: e->closed++; break;
    case SOCK_SECURE_EV_ERROR: e->error++; break;
    case SOCK_SECURE_EV_EXPIRED: e->expired++; break;
    }
    if (err != 0) {
        e->last_err = err;
    }
}

void tu_pump(tu_node_t *const *nodes, size_t count)
{
    for (int round = 0; round < 200; round++) {
        bool moved = false;
        for (size_t k = 0; k < count; k++) {
            if (nodes[k]->up && sock_secure_process(&nodes[k]->sock) > 0) {
                moved = true;
            }
        }
        for (size_t k = 0; k < count; k++) {
            if (nodes[k]->transport == &nodes[k]->mem.base && nodes[k]->mem.queued != 0) {
                moved = true;
            }
        }
        if (!moved) {
            return;
        }
    }
}

void tu_pump2(tu_node_t *a, tu_node_t *b)
{
    tu_node_t *const nodes[] = { a, b };
    tu_pump(nodes, 2);
}

bool tu_advance(tu_node_t *const *nodes, size_t count)
{
    uint32_t wait = SOCK_SECURE_NO_TIMEOUT;
    for (size_t k = 0; k < count; k++) {
        if (nodes[k]->up) {
            uint32_t w = sock_secure_next_timeout(&nodes[k]->sock);
            wait = w < wait ? w : wait;
        }
    }
    if (wait == SOCK_SECURE_NO_TIMEOUT) {
        return false;
    }
    tu_now_ms += wait;
    return true;
}

sock_secure_session_t *tu_connect(tu_node_t *client, tu_node_t *server)
{
    sock_secure_session_t *cs = NULL;
    sock_secure_ep_t srv = tu_ep(TU_SERVER_ADDR);
    CHECK_EQ(sock_secure_connect(&client->sock, &srv, &cs, 0), -EINPROGRESS);
    tu_pump2(server, client);
    return cs;
}

/* ---- a byte stream checked byte for byte --------------------------------------------------- */

uint8_t tu_pattern(size_t i, unsigned seed)
{
    return (uint8_t)(((i * 2654435761u) >> 13) ^ seed);
}

void tu_flow_step(tu_flow_t *f, size_t total)
{
    uint8_t buf[4096];
    while (f->sent < total) {
        size_t n = total - f->sent < sizeof(buf) ? total - f->sent : sizeof(buf);
        for (size_t k = 0; k < n; k++) {
            buf[k] = tu_pattern(f->sent + k, f->seed_out);
        }
        int rc = sock_secure_session_send(f->s, buf, n);
        if (rc <= 0) {
            CHECK(rc == -EAGAIN);
            break;
        }
        f->sent += (size_t)rc;
    }
    for (;;) {
        int rc = sock_secure_session_recv(f->s, buf, sizeof(buf), 0);
        if (rc <= 0) {
            CHECK(rc == -EAGAIN || rc == -EBUSY);
            break;
        }
        for (int k = 0; k < rc; k++) {
            f->bad += buf[k] != tu_pattern(f->received + (size_t)k, f->seed_in);
        }
        f->received += (size_t)rc;
    }
}
