# Shared by the device profile's record scripts (sourced; not a test itself). $1 = ssock,
# $2 = the mbedTLS include directory (profile.bash: RL, the profile's record size).
# What they check is docs/DEVICE.md, "Records larger than the profile".
source "$(dirname "${BASH_SOURCE[0]}")/profile.bash"
require_default_ccm8
BIG=1400 # a peer's record: larger than the profile's, smaller than any MTU here
[ "$RL" -lt "$BIG" ] || { echo "SKIPPED: records of $RL bytes take $BIG-byte ones"; exit 77; }
MFL=512 # the max_fragment_length a secure_sock client asks for: the largest code <= RL
for m in 1024 2048 4096; do [ "$RL" -ge "$m" ] && MFL=$m; done
head -c "$BIG" /dev/zero | tr '\0' A >"$WORK/big"

free_tcp_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# wait_port PORT: until something accepts TCP connections there
wait_port() {
    for _ in $(seq 50); do
        python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' \
            "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
# start_ssock_server NAME ARGS...: ssock server --echo -v on 127.0.0.1:$PORT (set by the caller)
start_ssock_server() {
    local name=$1
    shift
    "$SSOCK" server --listen "127.0.0.1:$PORT" --psk "$ID:$KEY" --echo -v "$@" \
        >"$WORK/$name.out" 2>"$WORK/$name.err" &
    PIDS+=($!)
    wait_for "$WORK/$name.err" "listening on" 5 || fail "$name: ssock server did not start"
}
# count_a FILE: how many 'A' bytes FILE holds (the big record's payload)
count_a() { tr -cd A <"$1" | wc -c; }
