/* Text for codes: error strings, alert names, verification reasons. (Suite names are in
 * suites.c, so a program that never prints an error links none of these strings.) */
#include "secure_sock/sock_secure.h"

typedef struct {
    int code;
    const char *text;
} ss_code_text_t;

static const ss_code_text_t ss_errors[] = {
    { 0, "success" },
    { -EINVAL, "invalid argument" },
    { -EAGAIN, "nothing ready yet (try again)" },
    { -EINPROGRESS, "handshake in progress" },
    { -ETIMEDOUT, "timed out" },
    { -ENOTCONN, "session not established" },
    { -EMSGSIZE, "record does not fit the buffer (or exceeds the maximum record size)" },
    { -ENOMEM, "out of memory or session slots" },
    { -ENOTSUP, "not supported by this backend" },
    { -EBUSY, "another session holds an unread record" },
    { -EALREADY, "already done" },
    { -ENOENT, "no such backend or cipher suite" },
    { -EIO, "transport failure" },
    { SOCK_SECURE_E_HANDSHAKE, "handshake failed" },
    { SOCK_SECURE_E_ALERT, "peer sent a fatal alert" },
    { SOCK_SECURE_E_VERIFY, "peer verification failed" },
    { SOCK_SECURE_E_PSK_IDENTITY, "unknown PSK identity" },
    { SOCK_SECURE_E_PEER_CLOSED, "peer closed the session" },
    { SOCK_SECURE_E_BAD_RECORD, "bad record (authentication failed or malformed)" },
    { SOCK_SECURE_E_NO_SUITE, "no cipher suite in common" },
    { SOCK_SECURE_E_BACKEND, "internal error in the (D)TLS stack" },
    { SOCK_SECURE_E_HELLO_VERIFY, "HelloVerifyRequest sent" },
    { SOCK_SECURE_E_EVICTED, "session evicted to make room for a new peer" },
    { SOCK_SECURE_E_CRED_FORMAT, "credential is not valid PEM/DER" },
    { SOCK_SECURE_E_CRED_TYPE, "credential is not of the declared kind" },
    { SOCK_SECURE_E_CRED_MISMATCH, "private key does not match the certificate" },
    { -ECONNRESET, "connection reset by peer" },
    { SOCK_SECURE_E_RESTARTED, "peer restarted: a new handshake replaced the session" },
    { SOCK_SECURE_E_DISPLACED, "stalled handshake displaced by a new peer" },
    { SOCK_SECURE_E_ABI, "the application and the library were compiled with different "
                         "CONFIG_* values or headers (struct sizes differ)" },
    { -EEXIST, "already present" },
    { -EPIPE, "connection closed without close_notify" },
    { -ECONNREFUSED, "connection refused" },
    { -EHOSTUNREACH, "no route to host" },
    { -ENETUNREACH, "network unreachable" },
    { -EBADF, "transport closed" },
};

static const ss_code_text_t ss_alerts[] = {
    { 0, "close_notify" },
    { 10, "unexpected_message" },
    { 20, "bad_record_mac" },
    { 21, "decryption_failed" },
    { 22, "record_overflow" },
    { 30, "decompression_failure" },
    { 40, "handshake_failure" },
    { 41, "no_certificate" },
    { 42, "bad_certificate" },
    { 43, "unsupported_certificate" },
    { 44, "certificate_revoked" },
    { 45, "certificate_expired" },
    { 46, "certificate_unknown" },
    { 47, "illegal_parameter" },
    { 48, "unknown_ca" },
    { 49, "access_denied" },
    { 50, "decode_error" },
    { 51, "decrypt_error" },
    { 60, "export_restriction" },
    { 70, "protocol_version" },
    { 71, "insufficient_security" },
    { 80, "internal_error" },
    { 86, "inappropriate_fallback" },
    { 90, "user_canceled" },
    { 100, "no_renegotiation" },
    { 110, "unsupported_extension" },
    { 112, "unrecognized_name" },
    { 115, "unknown_psk_identity" },
    { 120, "no_application_protocol" },
};

#define SS_COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *ss_lookup(const ss_code_text_t *table, size_t n, int code, const char *dflt)
{
    for (size_t i = 0; i < n; i++) {
        if (table[i].code == code) {
            return table[i].text;
        }
    }
    return dflt;
}

const char *sock_secure_strerror(int err)
{
    if (err > 0) {
        return "success";
    }
    return ss_lookup(ss_errors, SS_COUNT(ss_errors), err, "unknown error");
}

static const ss_code_text_t ss_verify_reasons[] = {
    { (int)SOCK_SECURE_VFY_UNKNOWN_CA, "unknown CA" },
    { (int)SOCK_SECURE_VFY_EXPIRED, "certificate expired" },
    { (int)SOCK_SECURE_VFY_NOT_YET_VALID, "certificate not yet valid" },
    { (int)SOCK_SECURE_VFY_NAME_MISMATCH, "name mismatch" },
    { (int)SOCK_SECURE_VFY_BAD_SIGNATURE, "bad signature" },
    { (int)SOCK_SECURE_VFY_NO_CERT, "no certificate sent" },
    { (int)SOCK_SECURE_VFY_BAD_KEY, "key type or size not accepted" },
    { (int)SOCK_SECURE_VFY_REVOKED, "certificate revoked" },
    { (int)SOCK_SECURE_VFY_NOT_PINNED, "public key not in the trust list" },
    { (int)SOCK_SECURE_VFY_APP, "rejected by the application" },
};

const char *sock_secure_verify_reason(uint32_t flags)
{
    if (flags == 0) {
        return "ok";
    }
    for (size_t i = 0; i < SS_COUNT(ss_verify_reasons); i++) {
        if (flags & (uint32_t)ss_verify_reasons[i].code) {
            return ss_verify_reasons[i].text;
        }
    }
    return "verification failed";
}

const char *sock_secure_alert_name(uint8_t alert)
{
    return ss_lookup(ss_alerts, SS_COUNT(ss_alerts), alert, "unknown_alert");
}

bool sock_secure_error_is_fatal(int err)
{
    switch (err) {
    case -EAGAIN:
    case -EINPROGRESS:
    case -EMSGSIZE:
    case -EBUSY:
    case -EINVAL:
    case -EALREADY:
    case SOCK_SECURE_E_BAD_RECORD:
        return false;
    default:
        return err < 0;
    }
}

