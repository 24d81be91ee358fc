/**
 * @file errors.c
 * @brief GnuTLS driver: GnuTLS error codes to secure_sock codes, and the alerts behind them. A
 *        GnuTLS handshake that fails sends no alert (gnutls_alert_send_appropriate() is the
 *        application's to call): the driver sends the one the failure calls for, the same
 *        descriptions mbedTLS sends, so a peer learns why whichever stack it talks to.
 */
#include "driver.h"

void tlsman_gnutls_send_alert(ss_gnutls_session_t *s, uint8_t desc)
{
    if (s->t.alert_origin == TLSMAN_ALERT_SENT || s->gs == NULL) {
        return; /* one fatal alert per session */
    }
    int rc = gnutls_alert_send(s->gs, GNUTLS_AL_FATAL, (gnutls_alert_description_t)desc);
    if (rc >= 0 || s->t.tx.any) {
        tlsman_alert_set(&s->t, desc, TLSMAN_ALERT_SENT);
    }
}

/** The verification failure behind @p err: bits for info.verify, and the alert. Returns the
 *  alert to send, or 0 if @p err is no verification failure. */
static uint8_t ss_verify_failure(ss_gnutls_session_t *s, int err)
{
    switch (err) {
    case GNUTLS_E_CERTIFICATE_ERROR:              /* our verify callback refused */
    case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR: /* (GnuTLS's own check: not used) */
        if (tlsman_vfy_all(&s->t) == 0) {
            s->t.verify = SOCK_SECURE_VFY_OTHER;
        }
        return tlsman_gnutls_vfy_alert(tlsman_vfy_all(&s->t));
    case GNUTLS_E_NO_CERTIFICATE_FOUND:
        /* server: a client certificate was required and none came */
        s->t.verify |= SOCK_SECURE_VFY_NO_CERT;
        return SS_ALERT_HANDSHAKE_FAILURE;
    case GNUTLS_E_PK_SIG_VERIFY_FAILED:
        /* the peer's signature (ServerKeyExchange, CertificateVerify) does not verify with the
         * key it presented */
        s->t.verify |= SOCK_SECURE_VFY_BAD_SIGNATURE;
        return SS_ALERT_DECRYPT_ERROR;
    case GNUTLS_E_UNSUPPORTED_CERTIFICATE_TYPE:
    case GNUTLS_E_CERTIFICATE_KEY_MISMATCH:
    case GNUTLS_E_UNKNOWN_PK_ALGORITHM:
    case GNUTLS_E_ECC_UNSUPPORTED_CURVE:
        s->t.verify |= SOCK_SECURE_VFY_BAD_KEY;
        return SS_ALERT_UNSUPPORTED_CERTIFICATE;
    default:
        return 0;
    }
}

int tlsman_gnutls_error(ss_gnutls_session_t *s, int err, bool in_handshake)
{
    switch (err) {
    case GNUTLS_E_AGAIN:
    case GNUTLS_E_INTERRUPTED:
        return -EAGAIN;
    case GNUTLS_E_FATAL_ALERT_RECEIVED:
        tlsman_alert_set(&s->t, (uint8_t)gnutls_alert_get(s->gs), TLSMAN_ALERT_RECEIVED);
        return SOCK_SECURE_E_ALERT;
    case GNUTLS_E_MEMORY_ERROR:
        return -ENOMEM;
    case GNUTLS_E_TIMEDOUT:
        return -ETIMEDOUT;
    case GNUTLS_E_PUSH_ERROR:
    case GNUTLS_E_PULL_ERROR:
        return s->t.io_err < 0 ? s->t.io_err : -EIO;
    case GNUTLS_E_PREMATURE_TERMINATION:
        return s->t.io_err < 0 ? s->t.io_err : -ECONNRESET; /* the stream ended, no alert */
    default:
        break;
    }
    if (in_handshake) {
        uint8_t alert = ss_verify_failure(s, err);
        if (alert != 0) {
            tlsman_gnutls_send_alert(s, alert);
            return SOCK_SECURE_E_VERIFY;
        }
    }
    switch (err) {
    case GNUTLS_E_SRP_PWD_ERROR: /* our PSK lookup found no key for the identity */
        tlsman_gnutls_send_alert(s, SS_ALERT_UNKNOWN_PSK_IDENTITY);
        return s->psk_unknown ? SOCK_SECURE_E_PSK_IDENTITY : SOCK_SECURE_E_HANDSHAKE;
    case GNUTLS_E_NO_CIPHER_SUITES:
    case GNUTLS_E_UNKNOWN_CIPHER_SUITE:
    case GNUTLS_E_INSUFFICIENT_CREDENTIALS:
    case GNUTLS_E_NO_COMMON_KEY_SHARE:
    case GNUTLS_E_UNWANTED_ALGORITHM:
        tlsman_gnutls_send_alert(s, SS_ALERT_HANDSHAKE_FAILURE);
        return in_handshake ? SOCK_SECURE_E_NO_SUITE : SOCK_SECURE_E_BACKEND;
    case GNUTLS_E_DECRYPTION_FAILED:
        tlsman_gnutls_send_alert(s, SS_ALERT_BAD_RECORD_MAC);
        return in_handshake ? SOCK_SECURE_E_HANDSHAKE : SOCK_SECURE_E_BACKEND;
    case GNUTLS_E_ERROR_IN_FINISHED_PACKET:
        tlsman_gnutls_send_alert(s, SS_ALERT_DECRYPT_ERROR);
        return in_handshake ? SOCK_SECURE_E_HANDSHAKE : SOCK_SECURE_E_BACKEND;
    case GNUTLS_E_RECORD_OVERFLOW:
        tlsman_gnutls_send_alert(s, SS_ALERT_RECORD_OVERFLOW);
        return in_handshake ? SOCK_SECURE_E_HANDSHAKE : SOCK_SECURE_E_BACKEND;
    default: {
        /* what GnuTLS itself would say (gnutls_alert_send_appropriate), else internal_error */
        int level = 0;
        int desc = gnutls_error_to_alert(err, &level);
        tlsman_gnutls_send_alert(s, desc >= 0 && level == GNUTLS_AL_FATAL
                                        ? (uint8_t)desc
                                        : SS_ALERT_INTERNAL_ERROR);
        return in_handshake ? SOCK_SECURE_E_HANDSHAKE : SOCK_SECURE_E_BACKEND;
    }
    }
}

int tlsman_gnutls_setup_error(int err)
{
    return err == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : SOCK_SECURE_E_BACKEND;
}
