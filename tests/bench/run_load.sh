#!/usr/bin/env bash
# The load sweep of docs/PERFORMANCE.md, in one command:
# sessionsrc ! sessionsink (Twilio dialect, 8 kHz, nothing resampled) and the
# floor-echo baseline at several session counts, server pinned to core 0 and
# load generator to core 1; JSON per run and an SVG plot in OUT (default
# build/bench-load).   usage: tests/bench/run_load.sh [OUT] [SECONDS] [COUNTS...]
# SESSIONSRC_ARGS: more sessionsrc properties (e.g. max-latency=0).
set -eu
cd "$(dirname "$0")/../.."
source pipelines/env.sh
source tests/bench/lib.sh
bench_init build/bench-load 10 "100 300 500 750 1000 2000" "$@"
port=19400
sessionctx () {
  exec taskset -c 0 gst-launch-1.0 -q sessionsrc port="$1" address=127.0.0.1 \
      rate=8000 ${SESSIONSRC_ARGS:-} ! sessionsink
}
floor () { exec taskset -c 0 build/tests/bench/floor-echo --port "$1"; }
echo "        sessions held  frames sent  received  lost  RTT p50  p99  max (ms)  server CPU%  RSS MiB  threads"
for n in $counts; do
  bench_run sessionctx "$n"
  bench_run floor "$n"
done
ours=$(ls "$out"/sessionctx-*.json | sort -t- -k2 -n | paste -sd,)
base=$(ls "$out"/floor-*.json | sort -t- -k2 -n | paste -sd,)
/usr/bin/python3 tests/bench/plot_rtt.py "$out/rtt.svg" "sessionctx=$ours" "floor-echo=$base"
echo "plot: $out/rtt.svg"
