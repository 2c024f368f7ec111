#!/usr/bin/env bash
# The WebRTC table of docs/PERFORMANCE.md, in one command:
# `sessionsrc ! sessionsink` with ICE on 127.0.0.1 and N client webrtcbins
# (bench-webrtc-peers, another process) for each peer count and each
# opus-complexity. PIN=1 (default) pins the server to core 0 and the peers
# to core 1; PIN=0 lets both use both cores (needed past ~25 peers here).
#   usage: tests/bench/run_webrtc.sh [OUT] [SECONDS] [PEERS...]
#   env:   COMPLEXITY="10 0"  PIN=1
set -eu
cd "$(dirname "$0")/../.."
source pipelines/env.sh
source tests/bench/lib.sh
bench_init build/bench-webrtc 15 "5 25" "$@"
port=19500
pin_server=(); pin_peers=()
if [ "${PIN:-1}" = 1 ]; then pin_server=(taskset -c 0); pin_peers=(taskset -c 1); fi
for n in $counts; do
  for c in ${COMPLEXITY:-10 0}; do
    port=$((port + 1))
    "${pin_server[@]}" gst-launch-1.0 -q sessionsrc port=$port address=127.0.0.1 \
        ice-addresses=127.0.0.1 opus-complexity="$c" ! sessionsink >/dev/null 2>&1 &
    pid=$!
    sleep 1.5
    echo "== $n peers, opus-complexity $c"
    "${pin_peers[@]}" build/tests/bench/bench-webrtc-peers --port $port --peers "$n" \
        --seconds "$secs" --server-pid "$pid" --json "$out/peers-$n-c$c.json" | sed -n 1,3p
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
done
