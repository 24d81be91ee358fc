/**
 * @file errors.c
 * @brief tinyDTLS driver: how a session ended, as a secure_sock code, with the alert behind it.
 *
 * tinyDTLS reports little: dtls_handle_message() returns an alert code for some handshake
 * failures and 0 for the rest, and drops the peer. What the driver sees instead: the alert the
 * peer sent (the event callback), the alerts that went out (scanned in the write callback:
 * plaintext ones with their description; tinyDTLS sends every handshake failure's alert before
 * its own ChangeCipherSpec, so in the clear, save a failure found in the server's Finished), and
 * what the driver learnt on the way (a ClientHello without a common suite, a raw public key the
 * verify callback refused).
 */
#include "driver.h"

int tlsman_tinydtls_error(ss_td_session_t *s, int rc, bool in_handshake)
{
    if (s->call.alert_rx) { /* the peer's alert (s->t.alert, received) */
        return s->t.alert == SS_ALERT_CLOSE_NOTIFY ? SOCK_SECURE_E_PEER_CLOSED
                                                   : SOCK_SECURE_E_ALERT;
    }
    if (s->t.io_err < 0 && s->t.io_err != -EAGAIN) {
        return s->t.io_err;
    }
    int desc = -1;
    if (s->t.tx.fatal && s->t.tx.known) {
        desc = s->t.tx.desc; /* what went out */
    } else if (dtls_is_alert(rc)) {
        desc = (-rc) & 0xff; /* what tinyDTLS meant to send */
    }
    if (desc < 0) {
        return in_handshake ? SOCK_SECURE_E_HANDSHAKE : SOCK_SECURE_E_BACKEND;
    }
    tlsman_alert_set(&s->t, (uint8_t)desc, TLSMAN_ALERT_SENT);
    switch (desc) {
    case SS_ALERT_UNKNOWN_PSK_IDENTITY:
        return SOCK_SECURE_E_PSK_IDENTITY;
    case SS_ALERT_HANDSHAKE_FAILURE:
        if (s->call.vfy_refused) {
            return SOCK_SECURE_E_VERIFY;
        }
        /* a server that found no suite of its own in the ClientHello; tinyDTLS says
         * handshake_failure for a malformed hello too */
        return SS_TD_SRV(s) && s->call.hello_common == 0 ? SOCK_SECURE_E_NO_SUITE
                                                             : SOCK_SECURE_E_HANDSHAKE;
    case SS_ALERT_BAD_CERTIFICATE:
    case SS_ALERT_UNSUPPORTED_CERTIFICATE:
    case SS_ALERT_CERTIFICATE_REVOKED:
    case SS_ALERT_CERTIFICATE_EXPIRED:
    case SS_ALERT_CERTIFICATE_UNKNOWN:
    case SS_ALERT_UNKNOWN_CA:
    case SS_ALERT_ACCESS_DENIED:
        if (tlsman_vfy_all(&s->t) == 0) {
            s->t.verify = SOCK_SECURE_VFY_OTHER;
        }
        return SOCK_SECURE_E_VERIFY;
    default:
        return in_handshake ? SOCK_SECURE_E_HANDSHAKE : SOCK_SECURE_E_BACKEND;
    }
}
