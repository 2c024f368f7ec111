#!/usr/bin/env bash
# The load sweep of README / docs/PERFORMANCE.md, in one command:
# `sessionsrc ! sessionsink` with default properties (Twilio dialect: 8 kHz
# in, 48 kHz pipeline, 8 kHz back) against the floor-echo baseline at
# several session counts, server pinned to core 0 and load generator to
# core 1, connects in batches of 50 every 10 ms; JSON per run, a Markdown
# table (table.md: CPU per frame, its ratio to the floor's) and an SVG plot
# in OUT (default build/bench-load).
#   usage: tests/bench/run_load.sh [OUT] [SECONDS] [COUNTS...]
# SESSIONSRC_ARGS: more sessionsrc properties (e.g. rate=8000, io-threads=2).
# LOADGEN_ARGS: more loadgen options (e.g. --from-start 1: the ramp counts).
set -eu
cd "$(dirname "$0")/../.."
source pipelines/env.sh
source tests/bench/lib.sh
bench_init build/bench-load 10 "500 1000 1500 2000" "$@"
port=19400
sessionctx () {
  exec taskset -c 0 gst-launch-1.0 -q sessionsrc port="$1" address=127.0.0.1 \
      ${SESSIONSRC_ARGS:-} ! sessionsink
}
floor () { exec taskset -c 0 build/tests/bench/floor-echo --port "$1"; }
# Echoes are matched by position (frame k is back once (k + ½) × 160
# samples are): the resampled echo's bytes differ from what was sent.
LOADGEN_ARGS="--position 160 --batch-gap-ms 10 ${LOADGEN_ARGS:-}"
echo "        sessions held  frames sent  received  lost  RTT p50  p99  max (ms)  server CPU%  RSS MiB  threads"
for n in $counts; do
  bench_run sessionctx "$n"
  bench_run floor "$n"
done
ours=$(ls "$out"/sessionctx-*.json | sort -t- -k2 -n | paste -sd,)
base=$(ls "$out"/floor-*.json | sort -t- -k2 -n | paste -sd,)
/usr/bin/python3 tests/bench/plot_rtt.py "$out/rtt.svg" "sessionctx=$ours" "floor-echo=$base"
/usr/bin/python3 tests/bench/load_table.py "$out" $counts | tee "$out/table.md"
echo "plot: $out/rtt.svg, table: $out/table.md"
