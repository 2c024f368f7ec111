#!/usr/bin/env bash
# What a burst of connects costs the sessions already streaming (issue 13):
# `sessionsrc ! sessionsink` (Twilio dialect, default rates) pinned to
# core 0, loadgen on core 1 holding LIVE sessions that stream, then opening
# BURST more (50 every 10 ms: connect, upgrade, `start`, then silent) 4 s
# into the 10 s measured window; prints the live sessions'
# RTT p50/p99 before, during and after the burst (JSON in OUT).
#   usage: tests/bench/run_burst.sh [OUT] [SECONDS] [LIVE] [BURST]
# SESSIONSRC_ARGS: more sessionsrc properties (e.g. rate=8000).
# HANDLER=DESC: the server is `sessionbin handler=DESC` instead (with
# SESSIONSRC_ARGS as its properties): what setting up a handler per new
# session costs the live ones.
set -eu
cd "$(dirname "$0")/../.."
source pipelines/env.sh
out=${1:-build/bench-burst}
secs=${2:-10}
live=${3:-200}
burst=${4:-1000}
mkdir -p "$out"
port=$((19500 + RANDOM % 400))
if [ -n "${HANDLER:-}" ]; then
  taskset -c 0 gst-launch-1.0 -q sessionbin port=$port address=127.0.0.1 \
      ${SESSIONSRC_ARGS:-} handler="$HANDLER" >"$out/server.log" 2>&1 &
else
  taskset -c 0 gst-launch-1.0 -q sessionsrc port=$port address=127.0.0.1 \
      ${SESSIONSRC_ARGS:-} ! sessionsink >"$out/server.log" 2>&1 &
fi
pid=$!
sleep 1.5
taskset -c 1 build/tests/bench/loadgen --dialect twilio --port $port \
    --position 160 --sessions "$live" --batch 50 --batch-gap-ms 10 \
    --seconds "$secs" --burst "$burst" --burst-at 4 --server-pid "$pid" \
    --json "$out/burst-$live-$burst.json" --timeline "$out/timeline.txt"
kill -TERM "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
