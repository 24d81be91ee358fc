# Shared by the device profile's scripts (sourced; not a test itself). $1 = ssock, $2 = the
# mbedTLS include directory (its mbedtls/config.h names the profile's knobs). Sets RL: the
# profile's record size (SS_DEVICE_RECORD_LEN), or skips (77) when $2 is not the profile.
source "$(dirname "${BASH_SOURCE[0]}")/../interop/lib.bash"
INC=${2:?usage: $0 SSOCK MBEDTLS_INCLUDE_DIR}
# the profile's record size: a knob in config.h, else device_config.h's default
RL=$(sed -n 's/^#define SS_DEVICE_RECORD_LEN \([0-9][0-9]*\).*/\1/p' "$INC/mbedtls/config.h" \
         "$INC/mbedtls/device_config.h" | head -n 1)
[ -n "$RL" ] || { echo "SKIPPED: $INC is not the device profile"; exit 77; }
