/**
 * @file errors.c
 * @brief mbedTLS driver: mbedTLS error codes to secure_sock codes, and the alerts behind them
 *        (the one the peer sent, the one mbedTLS sent, and the ones mbedTLS 2.28 leaves out).
 */
#include "driver.h"

#include <mbedtls/cipher.h>
#include <mbedtls/md.h>
#include <mbedtls/net_sockets.h>
#if defined(MBEDTLS_ECP_C)
#include <mbedtls/ecp.h>
#endif

/* What an mbedTLS error becomes (after the cases tlsman_mbedtls_error() handles first) */
enum {
    SS_TO_BACKEND,   /* SOCK_SECURE_E_BACKEND (the default; X.509 errors: see below) */
    SS_TO_HS,        /* SOCK_SECURE_E_HANDSHAKE in the handshake, else SOCK_SECURE_E_BACKEND */
    SS_TO_TIMEDOUT,  /* -ETIMEDOUT */
    SS_TO_NOMEM,     /* -ENOMEM */
    SS_TO_PSK_ID,    /* SOCK_SECURE_E_PSK_IDENTITY */
    SS_TO_NO_SUITE,  /* SOCK_SECURE_E_NO_SUITE */
    SS_TO_RESET,     /* -ECONNRESET */
    SS_TO_IO,        /* the transport's error, else -EIO */
    SS_TO_VERIFY,    /* SOCK_SECURE_E_VERIFY */
    SS_TO_BAD_CERT,  /* VERIFY if a verification flag is set, else as SS_TO_HS */
    SS_TO_SIGNATURE, /* in the handshake: VERIFY with SOCK_SECURE_VFY_BAD_SIGNATURE */
};

/* One row per mbedTLS error with a meaning of its own: its code (negated), what it becomes, and
 * the alert mbedTLS 2.28 sends (fatal) when it fails with it, for encrypted alerts whose
 * description the send callback cannot read (0: internal_error). A table, not switches: the
 * same facts in a quarter of the code. */
typedef struct {
    uint16_t code;
    uint8_t to;
    uint8_t alert;
} ss_err_row_t;

#define SS_ROW(err, to, alert) { (uint16_t)-(err), (to), (alert) } /* mbedTLS codes are > -0x8000 */

static const ss_err_row_t ss_err_rows[] = {
    SS_ROW(MBEDTLS_ERR_SSL_TIMEOUT, SS_TO_TIMEDOUT, 0),
    SS_ROW(MBEDTLS_ERR_SSL_ALLOC_FAILED, SS_TO_NOMEM, 0),
    SS_ROW(MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY, SS_TO_PSK_ID, SS_ALERT_UNKNOWN_PSK_IDENTITY),
    SS_ROW(MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN, SS_TO_NO_SUITE, SS_ALERT_HANDSHAKE_FAILURE),
    SS_ROW(MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE, SS_TO_NO_SUITE, SS_ALERT_HANDSHAKE_FAILURE),
    SS_ROW(MBEDTLS_ERR_SSL_CONN_EOF, SS_TO_RESET, 0),
    /* a DTLS client restarted on the same address with a valid cookie: this session is over;
     * the client's retransmitted ClientHello starts a new one */
    SS_ROW(MBEDTLS_ERR_SSL_CLIENT_RECONNECT, SS_TO_RESET, 0),
    SS_ROW(MBEDTLS_ERR_NET_SEND_FAILED, SS_TO_IO, 0),
    SS_ROW(MBEDTLS_ERR_NET_RECV_FAILED, SS_TO_IO, 0),
    /* After the handshake these end the session too (mbedTLS drops bad DTLS records itself and
     * never returns them), so they must not be SOCK_SECURE_E_BAD_RECORD, which the core treats
     * as "record dropped, session goes on". The alert sent says what failed. */
    SS_ROW(MBEDTLS_ERR_SSL_INVALID_MAC, SS_TO_HS, SS_ALERT_BAD_RECORD_MAC),
    SS_ROW(MBEDTLS_ERR_SSL_INVALID_RECORD, SS_TO_HS, 0),
    SS_ROW(MBEDTLS_ERR_SSL_UNEXPECTED_RECORD, SS_TO_HS, 0),
    SS_ROW(MBEDTLS_ERR_SSL_COUNTER_WRAPPING, SS_TO_HS, 0),
    SS_ROW(MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE, SS_TO_HS, SS_ALERT_UNEXPECTED_MESSAGE),
    SS_ROW(MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO, SS_TO_HS, SS_ALERT_DECODE_ERROR),
    SS_ROW(MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO, SS_TO_HS, SS_ALERT_DECODE_ERROR),
    SS_ROW(MBEDTLS_ERR_SSL_BAD_HS_SERVER_KEY_EXCHANGE, SS_TO_HS, SS_ALERT_DECODE_ERROR),
    SS_ROW(MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO_DONE, SS_TO_HS, 0),
    SS_ROW(MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE, SS_TO_HS, SS_ALERT_DECODE_ERROR),
    SS_ROW(MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE_RP, SS_TO_HS, 0),
    SS_ROW(MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE_CS, SS_TO_HS, 0),
    SS_ROW(MBEDTLS_ERR_SSL_BAD_HS_CHANGE_CIPHER_SPEC, SS_TO_HS, SS_ALERT_ILLEGAL_PARAMETER),
    SS_ROW(MBEDTLS_ERR_SSL_BAD_HS_FINISHED, SS_TO_HS, SS_ALERT_DECRYPT_ERROR),
    SS_ROW(MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION, SS_TO_HS, SS_ALERT_PROTOCOL_VERSION),
    SS_ROW(MBEDTLS_ERR_SSL_BAD_HS_NEW_SESSION_TICKET, SS_TO_HS, 0),
#if SS_X509
    SS_ROW(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED, SS_TO_VERIFY, 0), /* chain, name, dates, verify_cb */
    SS_ROW(MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE, SS_TO_VERIFY, 0), /* required, none sent */
    SS_ROW(MBEDTLS_ERR_SSL_CA_CHAIN_REQUIRED, SS_TO_VERIFY, 0),
    /* the certificate's key (curve) or usage was refused (flags set), or the message was
     * malformed (no flags) */
    SS_ROW(MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE, SS_TO_BAD_CERT, 0),
    SS_ROW(MBEDTLS_ERR_X509_ALLOC_FAILED, SS_TO_NOMEM, 0),
    SS_ROW(MBEDTLS_ERR_PK_ALLOC_FAILED, SS_TO_NOMEM, 0),
    /* the peer's signature (ServerKeyExchange, CertificateVerify) does not verify with the key
     * of its certificate */
    SS_ROW(MBEDTLS_ERR_ECP_VERIFY_FAILED, SS_TO_SIGNATURE, 0),
    SS_ROW(MBEDTLS_ERR_PK_SIG_LEN_MISMATCH, SS_TO_SIGNATURE, 0),
#endif
};

/** The row of @p err, or a row of SS_TO_BACKEND with internal_error for an error not listed. */
static ss_err_row_t ss_err_row(int err)
{
    for (size_t i = 0; i < sizeof(ss_err_rows) / sizeof(ss_err_rows[0]); i++) {
        if (ss_err_rows[i].code == (uint16_t)(0u - (unsigned)err)) {
            return ss_err_rows[i];
        }
    }
    return (ss_err_row_t){ 0, SS_TO_BACKEND, 0 };
}

#if SS_X509
/** An X.509 or PK parsing error (high-level code in the X509 or PK module's range): the peer's
 *  certificate could not be read. */
static bool ss_is_x509_error(int err)
{
    int high = -err & 0xFF80; /* high-level part of an mbedTLS error code */
    return (high >= 0x2080 && high <= 0x2980) || (high >= 0x3880 && high <= 0x3F80);
}
#endif

/**
 * TLS: the record whose header mbedTLS has just read is longer than its input buffer (a build
 * with a small MBEDTLS_SSL_IN_CONTENT_LEN and a peer that did not negotiate
 * max_fragment_length, or any build and a record over TLS's 2^14 + 2048 bytes). mbedTLS 2.28
 * then fails with BAD_INPUT_DATA ("requesting more data than fits") and sends nothing; the
 * record cannot be skipped (the stream is lost), so the session ends with record_overflow.
 */
static bool ss_record_too_large(const ss_mbedtls_session_t *s, int err)
{
    const mbedtls_ssl_context *ssl = &s->ssl;
    if (err != MBEDTLS_ERR_SSL_BAD_INPUT_DATA || s->ctx == NULL || SS_DATAGRAM(s->ctx) ||
        ssl->in_hdr == NULL || ssl->in_left < SS_TLS_RECORD_HDR) {
        return false;
    }
    size_t len = ((size_t)ssl->in_hdr[SS_TLS_RECORD_HDR - 2] << 8) |
                 ssl->in_hdr[SS_TLS_RECORD_HDR - 1];
    return len > MBEDTLS_SSL_IN_CONTENT_LEN;
}

/** End the session over a record or message too large for mbedTLS's input buffer: a fatal
 *  record_overflow alert, noted as sent. */
static int ss_overflow(ss_mbedtls_session_t *s, bool in_handshake)
{
    (void)mbedtls_ssl_send_alert_message(&s->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                         MBEDTLS_SSL_ALERT_MSG_RECORD_OVERFLOW);
    tlsman_alert_set(&s->t, SS_ALERT_RECORD_OVERFLOW, TLSMAN_ALERT_SENT);
    return in_handshake ? SOCK_SECURE_E_HANDSHAKE : SOCK_SECURE_E_BACKEND;
}

/*
 * DTLS: mbedTLS 2.28 reassembles a fragmented handshake message in its input buffer and ignores,
 * without a word, one announced longer than MBEDTLS_SSL_IN_CONTENT_LEN - 12 bytes (ssl_msg.c,
 * ssl_buffer_message: "Ignore message"); it ignores the peer's retransmissions alike, and the
 * handshake would time out with nobody knowing why. With the device profile's 1,024-byte buffer
 * an ordinary peer gets there: a server sending its certificate and its CA's (~1,020 bytes, more
 * or less depending on the certificates). The TLS counterpart is ss_record_too_large.
 */
int tlsman_mbedtls_hs_too_long(ss_mbedtls_session_t *s)
{
    return ss_overflow(s, true);
}

int tlsman_mbedtls_error(ss_mbedtls_session_t *s, int err, bool in_handshake)
{
    mbedtls_ssl_context *ssl = &s->ssl;

    switch (err) {
    case MBEDTLS_ERR_SSL_WANT_READ:
    case MBEDTLS_ERR_SSL_WANT_WRITE:
    case MBEDTLS_ERR_SSL_ASYNC_IN_PROGRESS:
    case MBEDTLS_ERR_SSL_CRYPTO_IN_PROGRESS:
        return -EAGAIN;
    case MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED:
        return SOCK_SECURE_E_HELLO_VERIFY;
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
        /* mbedTLS 2.28 has no getter for the received alert; its fields are public in this
         * version (no MBEDTLS_PRIVATE) and in_msg holds the alert record after this error. */
        if (ssl->in_msg != NULL && ssl->in_msgtype == MBEDTLS_SSL_MSG_ALERT) {
            tlsman_alert_set(&s->t, ssl->in_msg[1], TLSMAN_ALERT_RECEIVED);
        }
        return SOCK_SECURE_E_ALERT;
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
        tlsman_alert_set(&s->t, SS_ALERT_CLOSE_NOTIFY, TLSMAN_ALERT_RECEIVED);
        return SOCK_SECURE_E_PEER_CLOSED;
    default:
        break;
    }

    if (ss_record_too_large(s, err)) {
        return ss_overflow(s, in_handshake);
    }
    ss_err_row_t row = ss_err_row(err);
    if (s->t.tx.fatal) {
        tlsman_alert_set(&s->t,
                         s->t.tx.known ? s->t.tx.desc
                                       : (row.alert != 0 ? row.alert : SS_ALERT_INTERNAL_ERROR),
                         TLSMAN_ALERT_SENT);
    }

    int hs = in_handshake ? SOCK_SECURE_E_HANDSHAKE : SOCK_SECURE_E_BACKEND;
    switch (row.to) {
    case SS_TO_HS:
        return hs;
    case SS_TO_TIMEDOUT:
        return -ETIMEDOUT;
    case SS_TO_NOMEM:
        return -ENOMEM;
    case SS_TO_PSK_ID:
        return SOCK_SECURE_E_PSK_IDENTITY;
    case SS_TO_NO_SUITE:
        return SOCK_SECURE_E_NO_SUITE;
    case SS_TO_RESET:
        return -ECONNRESET;
    case SS_TO_IO:
        return s->t.io_err < 0 ? s->t.io_err : -EIO;
#if SS_X509
    case SS_TO_VERIFY:
        return SOCK_SECURE_E_VERIFY;
    case SS_TO_BAD_CERT:
        return tlsman_vfy_all(&s->t) != 0 ? SOCK_SECURE_E_VERIFY : hs;
    case SS_TO_SIGNATURE:
        if (in_handshake) {
            s->t.verify |= SOCK_SECURE_VFY_BAD_SIGNATURE;
            return SOCK_SECURE_E_VERIFY;
        }
        return SOCK_SECURE_E_BACKEND;
#endif
    default:
#if SS_X509
        /* verify_cb returned an error (mbedTLS reports MBEDTLS_ERR_X509_FATAL_ERROR), or the
         * peer's certificate could not be parsed (an X.509 or PK error: bad_certificate or
         * unsupported_certificate was sent) */
        if (in_handshake && (s->t.vfy_abort || ss_is_x509_error(err))) {
            if (tlsman_vfy_all(&s->t) == 0) {
                s->t.verify = SOCK_SECURE_VFY_OTHER;
            }
            return SOCK_SECURE_E_VERIFY;
        }
#endif
        return SOCK_SECURE_E_BACKEND;
    }
}

int tlsman_mbedtls_setup_error(int err)
{
    return err == MBEDTLS_ERR_SSL_ALLOC_FAILED || err == MBEDTLS_ERR_MD_ALLOC_FAILED ||
                   err == MBEDTLS_ERR_CIPHER_ALLOC_FAILED
               ? -ENOMEM
               : SOCK_SECURE_E_BACKEND;
}

/*
 * Two failures of an mbedTLS 2.28 server that send no alert, leaving the client to retransmit its
 * last flight until it times out: no client certificate when one is required (RFC 5246 §7.4.6:
 * handshake_failure) and a CertificateVerify that does not verify (decrypt_error). Both come
 * before the server's ChangeCipherSpec, so the alert goes in the clear.
 */
void tlsman_mbedtls_missing_alert(ss_mbedtls_session_t *s, int err)
{
#if SS_X509
    if (!s->t.tx.fatal && (err == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE ||
                         err == MBEDTLS_ERR_ECP_VERIFY_FAILED ||
                         err == MBEDTLS_ERR_PK_SIG_LEN_MISMATCH)) {
        (void)mbedtls_ssl_send_alert_message(&s->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
                                             err == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE
                                                 ? MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE
                                                 : MBEDTLS_SSL_ALERT_MSG_DECRYPT_ERROR);
    }
#else
    (void)s;
    (void)err;
#endif
}
