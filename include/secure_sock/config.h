/**
 * @file config.h
 * @brief Every compile-time limit of secure_sock, with its default and the reason for it.
 *
 * Override any of these with a compiler definition (e.g. `-DCONFIG_SOCK_SECURE_MAX_DATAGRAM=1280`).
 * Nothing else in the library is sized by a magic number.
 */
#ifndef SECURE_SOCK_CONFIG_H
#define SECURE_SOCK_CONFIG_H

/** Largest datagram the core reads from a transport (bytes). One IPv4 Ethernet frame: DTLS records
 *  are kept within it by the backend's MTU setting, and it sizes the one receive buffer per socket. */
#ifndef CONFIG_SOCK_SECURE_MAX_DATAGRAM
#define CONFIG_SOCK_SECURE_MAX_DATAGRAM 1500
#endif

/** Bytes reserved per socket for the backend's own socket state (its configuration and cookie
 *  secret). Each driver checks at compile time that its state fits: mbedTLS 2.28 on x86_64
 *  needs 2,312 with certificates, ticket keys and the client configuration of a client-server socket
 *  (CONFIG_SOCK_SECURE_CLIENT_SERVER; 1,896 without it). */
#ifndef CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE
#define CONFIG_SOCK_SECURE_DRIVER_CTX_SIZE 2560
#endif

/** Bytes reserved per session for the backend's session state (mbedTLS's context is 736 bytes on
 *  x86_64; the record buffers it allocates are not part of this). Checked at compile time. */
#ifndef CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE
#define CONFIG_SOCK_SECURE_DRIVER_SESSION_SIZE 1024
#endif

/** How many drivers can be registered at once: one per (D)TLS stack linked in (a host build
 *  may have four built in) and any the application registers itself. */
#ifndef CONFIG_SOCK_SECURE_MAX_DRIVERS
#define CONFIG_SOCK_SECURE_MAX_DRIVERS 8
#endif

/** How many cipher suites a socket may list explicitly (RFC 7252 names four for CoAP). */
#ifndef CONFIG_SOCK_SECURE_MAX_SUITES
#define CONFIG_SOCK_SECURE_MAX_SUITES 8
#endif

/** Longest PSK identity accepted (bytes). RFC 4279 allows 2^16-1; 128 covers every CoAP/LwM2M
 *  deployment we know of and bounds what an unauthenticated peer can make us compare. */
#ifndef CONFIG_SOCK_SECURE_PSK_ID_MAX
#define CONFIG_SOCK_SECURE_PSK_ID_MAX 128
#endif

/** Longest PSK accepted (bytes). 32 bytes = 256 bits, beyond what AES-128 suites can use, and
 *  the most mbedTLS 2.28 accepts (MBEDTLS_PSK_MAX_LEN). */
#ifndef CONFIG_SOCK_SECURE_PSK_KEY_MAX
#define CONFIG_SOCK_SECURE_PSK_KEY_MAX 32
#endif

/** 0 builds a client-only library: no server code (cookies, new peers, limits, eviction, peer
 *  restarts); creating a server socket then fails with -ENOTSUP. For small devices. */
#ifndef CONFIG_SOCK_SECURE_SERVER
#define CONFIG_SOCK_SECURE_SERVER 1
#endif

/** Keep per-session statistics for sock_secure_session_info() (retransmits, bytes_*, datagrams_*,
 *  records_*; 36 B of fields, 40 B per session slot on Cortex-M4 with alignment). 0 reports them as 0
 *  and keeps nothing. Default: on with the server code (hosts), off in a client-only build. */
#ifndef CONFIG_SOCK_SECURE_SESSION_STATS
#define CONFIG_SOCK_SECURE_SESSION_STATS CONFIG_SOCK_SECURE_SERVER
#endif

/** Bytes of the client's PSK identity a server session keeps for sock_secure_session_info()
 *  (psk_identity; a longer one is reported cut there, psk_identity_truncated). 0 keeps none: no
 *  RAM per session for it. Default: 32 on a server build (a device name, an IMEI URN, a UUID in
 *  hex; 36 more bytes per session slot), none on a client-only one; up to
 *  CONFIG_SOCK_SECURE_PSK_ID_MAX keeps every identity whole. */
#ifndef CONFIG_SOCK_SECURE_SESSION_PSK_ID
#if CONFIG_SOCK_SECURE_SERVER
#define CONFIG_SOCK_SECURE_SESSION_PSK_ID 32
#else
#define CONFIG_SOCK_SECURE_SESSION_PSK_ID 0
#endif
#endif

/** 0 leaves out sockets of role SOCK_SECURE_CLIENT_SERVER (created with -ENOTSUP): a driver
 *  then keeps one stack configuration per socket instead of two (mbedTLS: about 190 bytes on
 *  32-bit). Needs the server side. */
#ifndef CONFIG_SOCK_SECURE_CLIENT_SERVER
#define CONFIG_SOCK_SECURE_CLIENT_SERVER CONFIG_SOCK_SECURE_SERVER
#endif

/** 0 builds a datagram-only library (DTLS): stream transports (TLS over TCP) are refused with
 *  -ENOTSUP at create, and the drivers built with it leave out their TLS paths (the mbedTLS
 *  driver: its stream write, flush op and record-overflow check). For small devices. */
#ifndef CONFIG_SOCK_SECURE_STREAMS
#define CONFIG_SOCK_SECURE_STREAMS 1
#endif

/** 0 leaves the suite names out of the suite table (about 400 bytes of strings): a firmware that
 *  never prints or parses a suite name. sock_secure_suite_name() and the session info's
 *  suite_name are then "", sock_secure_suite_from_name() is -ENOENT; ids work as before. */
#ifndef CONFIG_SOCK_SECURE_SUITE_NAMES
#define CONFIG_SOCK_SECURE_SUITE_NAMES 1
#endif

/** 0 builds a PSK-only core: sockets authenticate with pre-shared keys alone. Certificates,
 *  private keys, trust anchors and pinned keys under a socket's cred_tags, and certificate
 *  suites in its suite list, are refused with -ENOTSUP at create; a configuration without a PSK
 *  too. sock_secure_create() then leaves out the checks only those need (about 350 bytes on
 *  Cortex-M4), tlsman_ctx_plan() its credential loop, and the mbedTLS driver its X.509 code
 *  (certificates, own key, verification), whatever mbedTLS has. For PSK devices. */
#ifndef CONFIG_SOCK_SECURE_CERTS
#define CONFIG_SOCK_SECURE_CERTS 1
#endif

/** Entries in one credential store (keys, chains, trust anchor sets, pinned keys, PSKs). */
#ifndef CONFIG_SOCK_SECURE_CRED_MAX
#define CONFIG_SOCK_SECURE_CRED_MAX 16
#endif

/** Bytes of one credential store's arena: a P-256 key, a 3-certificate PEM chain and a CA set
 *  fit in about 4 KiB; twice that leaves room for a second identity. */
#ifndef CONFIG_SOCK_SECURE_CRED_ARENA
#define CONFIG_SOCK_SECURE_CRED_ARENA 8192
#endif

/** Credential tags one socket may reference. */
#ifndef CONFIG_SOCK_SECURE_MAX_CRED_TAGS
#define CONFIG_SOCK_SECURE_MAX_CRED_TAGS 4
#endif

/** RFC 6347 §4.2.4.1: initial retransmission timeout (ms). */
#ifndef CONFIG_SOCK_SECURE_HS_TIMEOUT_INITIAL_MS
#define CONFIG_SOCK_SECURE_HS_TIMEOUT_INITIAL_MS 1000
#endif

/** RFC 6347 §4.2.4.1: the doubling stops at this timeout (ms); "no less than 60 s" per RFC 6298. */
#ifndef CONFIG_SOCK_SECURE_HS_TIMEOUT_MAX_MS
#define CONFIG_SOCK_SECURE_HS_TIMEOUT_MAX_MS 60000
#endif

/** Retransmissions of one flight before the handshake fails with -ETIMEDOUT. With the defaults
 *  above, 6 retransmissions give up after 1+2+4+8+16+32+60 s = about two minutes. */
#ifndef CONFIG_SOCK_SECURE_HS_MAX_RETRANSMIT
#define CONFIG_SOCK_SECURE_HS_MAX_RETRANSMIT 6
#endif

/** Default handshake deadline on servers (ms): a peer that has not finished its handshake by then
 *  has lost four flights in a row with the default timers; its half-open slot is reclaimed. */
#ifndef CONFIG_SOCK_SECURE_HS_DEADLINE_MS
#define CONFIG_SOCK_SECURE_HS_DEADLINE_MS 30000
#endif

/** 1: the socket has a receive buffer of CONFIG_SOCK_SECURE_MAX_DATAGRAM bytes that the core
 *  reads each datagram into before the stack copies it into its own. The server code (which
 *  looks at a whole ClientHello) and streams need it. 0, the default of a client-only,
 *  datagram-only build (CONFIG_SOCK_SECURE_SERVER 0 and _STREAMS 0; 0 with either is a build
 *  error): no such buffer; the core peeks at the next datagram's sender, length and record
 *  header (the transport's `peek`) and the stack's receive call reads the datagram from the
 *  transport straight into the stack's input buffer. create() then refuses a transport without
 *  `peek` with -ENOTSUP. */
#ifndef CONFIG_SOCK_SECURE_RX_BUFFER
#define CONFIG_SOCK_SECURE_RX_BUFFER (CONFIG_SOCK_SECURE_SERVER || CONFIG_SOCK_SECURE_STREAMS)
#endif
#if !CONFIG_SOCK_SECURE_RX_BUFFER && (CONFIG_SOCK_SECURE_SERVER || CONFIG_SOCK_SECURE_STREAMS)
#error "CONFIG_SOCK_SECURE_RX_BUFFER 0 needs CONFIG_SOCK_SECURE_SERVER 0 and _STREAMS 0"
#endif

/** Size of the one per-socket buffer for a datagram of application data that arrives while its
 *  session is still in its DTLS handshake, i.e. before the stack has processed the peer's
 *  (delayed or lost) Finished (RFC 6347 §4.1.2.7 allows buffering it). The core keeps one such
 *  datagram per socket, for one session at a time, and hands it to the stack once that session is
 *  established; datagrams that do not fit, or arrive while the buffer is taken, are fed to the
 *  stack as before (which drops them). 0 turns the buffer off. */
#ifndef CONFIG_SOCK_SECURE_EARLY_DATAGRAM
#define CONFIG_SOCK_SECURE_EARLY_DATAGRAM CONFIG_SOCK_SECURE_MAX_DATAGRAM
#endif

/** Default cap on the handshakes one address (any port) may hold on a server at once
 *  (sock_secure_config_t.max_half_open_per_addr): a cookie proves an address, not good intent,
 *  and one host must not fill the half-open budget. Four leave room for a few clients behind one
 *  NAT starting together; the ones beyond wait for their retransmission. */
#ifndef CONFIG_SOCK_SECURE_HALF_OPEN_PER_ADDR
#define CONFIG_SOCK_SECURE_HALF_OPEN_PER_ADDR 4
#endif

/** Default stall deadline on servers (ms, sock_secure_config_t.handshake_stall_ms): a handshake
 *  whose peer has sent no new flight for this long is dropped. With the default timers the
 *  server sends its flight at 0 s and again at 1, 3 and 7 s (RFC 6347 §4.2.4.1), and the client
 *  repeats its own on the same schedule: 8 s lets four exchanges fail in a row before a live
 *  client is given up, while a peer that stops answering holds its slot for 8 s instead of the
 *  30 s overall deadline. Measured (bench/bench_stall, 5000 handshakes, 25 % loss each way):
 *  41 fail with 8 s, 33 without any stall deadline (4 s: 83, 6 s: 55); at 10 % loss none. */
#ifndef CONFIG_SOCK_SECURE_HS_STALL_MS
#define CONFIG_SOCK_SECURE_HS_STALL_MS 8000
#endif

/** Server: how long a session ticket (sock_secure_config_t.resumption) is honoured, counted from
 *  the full handshake that made the session, in seconds; also the lifetime hint sent with it. */
#ifndef CONFIG_SOCK_SECURE_TICKET_LIFETIME_S
#define CONFIG_SOCK_SECURE_TICKET_LIFETIME_S 86400
#endif

/** Pending TCP connections the listener's backlog holds (listen(2)). */
#ifndef CONFIG_SOCK_SECURE_TCP_BACKLOG
#define CONFIG_SOCK_SECURE_TCP_BACKLOG 64
#endif

/** Bytes of datagram queue per in-memory link endpoint (datagrams beyond it are dropped, as UDP
 *  would). Big enough for a full certificate flight. */
#ifndef CONFIG_SOCK_MEM_QUEUE_SIZE
#define CONFIG_SOCK_MEM_QUEUE_SIZE 16384
#endif

/** Datagrams one in-memory endpoint's fault injection can hold back at once (reorder, delay). Each
 *  slot is one CONFIG_SOCK_SECURE_MAX_DATAGRAM buffer; four cover a reordered flight. */
#ifndef CONFIG_SOCK_MEM_FAULT_HOLD
#define CONFIG_SOCK_MEM_FAULT_HOLD 4
#endif

#endif /* SECURE_SOCK_CONFIG_H */
