#!/usr/bin/env bash
# The load sweep of docs/PERFORMANCE.md, in one command:
# sessionsrc ! sessionsink (Twilio dialect, 8 kHz, nothing resampled) and the
# floor-echo baseline at several session counts, server pinned to core 0 and
# load generator to core 1; JSON per run and an SVG plot in OUT (default
# build/bench-load).   usage: tests/bench/run_load.sh [OUT] [SECONDS] [COUNTS...]
set -eu
cd "$(dirname "$0")/../.."
source pipelines/env.sh
source tests/bench/lib.sh
bench_init build/bench-load 10 "100 300 500 750 1000 2000" "$@"
lg=build/tests/bench/loadgen
port=19400
run () {  # name (a function taking the port), sessions
  local name=$1 n=$2
  port=$((port + 1))
  $name $port >/dev/null 2>&1 &
  local pid=$!
  sleep 1.5
  taskset -c 1 $lg --dialect twilio --port $port --sessions "$n" --seconds "$secs" \
      --server-pid "$pid" --json "$out/$name-$n.json" | sed -n 2p | sed "s/^/$name /"
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
sessionctx () {
  exec taskset -c 0 gst-launch-1.0 -q sessionsrc port="$1" address=127.0.0.1 \
      rate=8000 ! sessionsink
}
floor () { exec taskset -c 0 build/tests/bench/floor-echo --port "$1"; }
echo "        sessions held  frames sent  received  lost  RTT p50  p99  max (ms)  server CPU%  RSS MiB  threads"
for n in $counts; do
  run sessionctx "$n"
  run floor "$n"
done
ours=$(ls "$out"/sessionctx-*.json | sort -t- -k2 -n | paste -sd,)
base=$(ls "$out"/floor-*.json | sort -t- -k2 -n | paste -sd,)
/usr/bin/python3 tests/bench/plot_rtt.py "$out/rtt.svg" "sessionctx=$ours" "floor-echo=$base"
echo "plot: $out/rtt.svg"
