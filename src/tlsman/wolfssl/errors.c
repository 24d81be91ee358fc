/**
 * @file errors.c
 * @brief wolfSSL driver: wolfSSL and wolfCrypt error codes to secure_sock codes, and the alerts
 *        behind them (received, sent, and the ones the driver sends itself: compat_5_5.c).
 */
#include "driver.h"

#include <wolfssl/wolfcrypt/error-crypt.h>

bool tlsman_wolfssl_note_sent_alert(ss_wolfssl_session_t *s)
{
    WOLFSSL_ALERT_HISTORY h;
    if (wolfSSL_get_alert_history(s->ssl, &h) == WOLFSSL_SUCCESS && h.last_tx.code >= 0 &&
        h.last_tx.code <= UINT8_MAX && h.last_tx.level == (int)SS_ALERT_LEVEL_FATAL) {
        tlsman_alert_set(&s->t, (uint8_t)h.last_tx.code, TLSMAN_ALERT_SENT);
        return true;
    }
    return false;
}

int tlsman_wolfssl_error(ss_wolfssl_session_t *s, int err, bool in_handshake)
{
    switch (err) {
    case WOLFSSL_ERROR_WANT_READ:
    case WOLFSSL_ERROR_WANT_WRITE:
    case WANT_READ:
    case WANT_WRITE:
        return -EAGAIN;
    case WOLFSSL_ERROR_ZERO_RETURN:
    case ZERO_RETURN:
        tlsman_alert_set(&s->t, SS_ALERT_CLOSE_NOTIFY, TLSMAN_ALERT_RECEIVED);
        return SOCK_SECURE_E_PEER_CLOSED;
    case FATAL_ERROR: { /* the peer sent a fatal alert */
        WOLFSSL_ALERT_HISTORY h;
        if (wolfSSL_get_alert_history(s->ssl, &h) == WOLFSSL_SUCCESS && h.last_rx.code >= 0 &&
            h.last_rx.code <= UINT8_MAX) {
            tlsman_alert_set(&s->t, (uint8_t)h.last_rx.code, TLSMAN_ALERT_RECEIVED);
        }
        return SOCK_SECURE_E_ALERT;
    }
    default:
        break;
    }

    (void)tlsman_wolfssl_note_sent_alert(s);

#if SS_X509
    uint32_t vfy = tlsman_wolfssl_vfy_bits(err, false);
    if (vfy != 0 || s->t.vfy_abort) {
        /* the peer's certificate (chain, dates, name, signature) or the application refused it;
         * the bits the verify callback recorded say why, the error code if it saw nothing */
        if (!in_handshake) {
            return SOCK_SECURE_E_BACKEND;
        }
        if ((s->t.verify | s->t.vfy_app) == 0) {
            s->t.verify = vfy;
        }
        return SOCK_SECURE_E_VERIFY;
    }
#endif

    switch (err) {
    case MEMORY_E:
    case MEMORY_ERROR:
        return -ENOMEM;
    case PSK_KEY_ERROR:  /* the server's PSK callback knew no key for the identity */
    case CLIENT_ID_ERROR:
        return SOCK_SECURE_E_PSK_IDENTITY;
    case MATCH_SUITE_ERROR:
    case UNSUPPORTED_SUITE:
        return SOCK_SECURE_E_NO_SUITE;
    case SOCKET_ERROR_E:
        return s->t.io_err < 0 ? s->t.io_err : -EIO;
    case SOCKET_PEER_CLOSED_E:
    case WOLFSSL_ERROR_SYSCALL:
        return -ECONNRESET;
    case VERIFY_FINISHED_ERROR:
    case VERIFY_MAC_ERROR:
    case DECRYPT_ERROR:
    case PARSE_ERROR:
    case UNKNOWN_HANDSHAKE_TYPE:
    case UNKNOWN_RECORD_TYPE:
    case BAD_HELLO:
    case VERSION_ERROR:
    case BUFFER_ERROR:
    case LENGTH_ERROR:
    case SEQUENCE_ERROR:
    case OUT_OF_ORDER_E:
    case SANITY_MSG_E:
    case DUPLICATE_MSG_E:
    case NO_CHANGE_CIPHER_E:
    case DECODE_E:
    case COOKIE_ERROR:
    case SECURE_RENEGOTIATION_E:
    case UNSUPPORTED_PROTO_VERSION:
    case EXT_MISSING:
    case UNSUPPORTED_EXTENSION:
    case DUPLICATE_TLS_EXT_E:
    case COMPRESSION_ERROR:
        /* After the handshake these end the session too (wolfSSL drops bad DTLS records itself
         * and never returns them), so they must not be SOCK_SECURE_E_BAD_RECORD, which the core
         * treats as "record dropped, session goes on". The alert sent says what failed. */
        return in_handshake ? SOCK_SECURE_E_HANDSHAKE : SOCK_SECURE_E_BACKEND;
    default:
        return SOCK_SECURE_E_BACKEND;
    }
}

/** (compat_5_5.c, 3: the alert for a handshake that wolfSSL 5.5.4 ended without sending one.) */
uint8_t tlsman_wolfssl_alert_for(int werr)
{
    switch (werr) {
    case VERIFY_MAC_ERROR:
    case DECRYPT_ERROR:
        return SS_ALERT_BAD_RECORD_MAC;
    case VERIFY_FINISHED_ERROR:
        return SS_ALERT_DECRYPT_ERROR;
    case PSK_KEY_ERROR:
    case CLIENT_ID_ERROR:
        return SS_ALERT_UNKNOWN_PSK_IDENTITY;
    case MATCH_SUITE_ERROR:
    case UNSUPPORTED_SUITE:
        return SS_ALERT_HANDSHAKE_FAILURE;
    case VERSION_ERROR:
    case UNSUPPORTED_PROTO_VERSION:
        return SS_ALERT_PROTOCOL_VERSION;
    case SANITY_MSG_E:
    case OUT_OF_ORDER_E:
    case DUPLICATE_MSG_E:
    case NO_CHANGE_CIPHER_E:
    case UNKNOWN_RECORD_TYPE:
        return SS_ALERT_UNEXPECTED_MESSAGE;
    case PARSE_ERROR:
    case BUFFER_ERROR:
    case LENGTH_ERROR:
    case DECODE_E:
    case BAD_HELLO:
    case UNKNOWN_HANDSHAKE_TYPE:
        return SS_ALERT_DECODE_ERROR;
#if SS_X509
    case NO_PEER_CERT: /* RFC 5246 §7.4.6 */
        return SS_ALERT_HANDSHAKE_FAILURE;
    case SIG_VERIFY_E: /* a CertificateVerify / ServerKeyExchange signature */
    case VERIFY_SIGN_ERROR:
        return SS_ALERT_DECRYPT_ERROR;
    case ASN_NO_SIGNER_E:
    case ASN_AFTER_DATE_E:
    case ASN_BEFORE_DATE_E:
    case DOMAIN_NAME_MISMATCH:
    case VERIFY_CERT_ERROR:
        return SS_ALERT_BAD_CERTIFICATE;
#endif
    default:
        return SS_ALERT_INTERNAL_ERROR;
    }
}
