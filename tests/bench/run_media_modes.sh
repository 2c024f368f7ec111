#!/usr/bin/env bash
# What the binary media extension saves: FastRTC sessions at 48 kHz (960
# samples per 20 ms frame, nothing resampled) echoed through
# sessionsrc ! sessionsink, with JSON + base64 µ-law, binary µ-law and binary
# S16LE media; server pinned to core 0, load generator to core 1; JSON per
# run in OUT (default build/bench-media).
#   usage: tests/bench/run_media_modes.sh [OUT] [SECONDS] [COUNTS...]
set -eu
cd "$(dirname "$0")/../.."
source pipelines/env.sh
source tests/bench/lib.sh
bench_init build/bench-media 10 "300 500" "$@"
lg=build/tests/bench/loadgen
port=19600
echo "                sessions held  frames sent  received  lost  RTT p50  p99  max (ms)  server CPU%  RSS MiB  threads"
for n in $counts; do
  for mode in json mulaw s16le; do
    port=$((port + 1))
    taskset -c 0 gst-launch-1.0 -q sessionsrc port=$port address=127.0.0.1 \
        rate=48000 websocket-input-rate=48000 websocket-output-rate=48000 ! \
        sessionsink >/dev/null 2>&1 &
    pid=$!
    sleep 1.5
    args=()
    [ "$mode" = json ] || args=(--binary "$mode")
    taskset -c 1 $lg --port $port --sessions "$n" --seconds "$secs" \
        --server-pid "$pid" --json "$out/$mode-$n.json" "${args[@]}" |
        sed -n 2p | sed "s/^/$(printf '%-7s' "$mode") /"
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
done
