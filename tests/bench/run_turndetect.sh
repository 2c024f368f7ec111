#!/usr/bin/env bash
# How many sessions one core holds with turndetect: sessionbin
# handler=identity against handler="turndetect mode=live" (the same
# analysis as hold mode, but every frame comes back, so loadgen's echo
# round trip and losses show when the core is full), Twilio dialect at
# rate=8000 for both, server pinned to core 0, load generator to core 1.
#   usage: [WITH_HOLD=1] tests/bench/run_turndetect.sh [OUT] [SECONDS] [COUNTS...]
# (WITH_HOLD=1 also runs handler=turndetect, hold mode: its CPU.)
set -eu
cd "$(dirname "$0")/../.."
source pipelines/env.sh
source tests/bench/lib.sh
bench_init build/bench-turndetect 10 "100 300 500 700" "$@"
port=19800
identity () {
  exec taskset -c 0 gst-launch-1.0 -q sessionbin port="$1" address=127.0.0.1 \
      rate=8000 handler=identity
}
turndetect () {
  exec taskset -c 0 gst-launch-1.0 -q sessionbin port="$1" address=127.0.0.1 \
      rate=8000 handler="turndetect mode=live"
}
# Hold mode (the echo demo) sends nothing back while callers make no turn
# (loadgen's frames are not speech): its CPU only, every frame "lost".
hold () {
  exec taskset -c 0 gst-launch-1.0 -q sessionbin port="$1" address=127.0.0.1 \
      rate=8000 handler=turndetect
}
echo "        sessions held  frames sent  received  lost  RTT p50  p99  max (ms)  server CPU%  RSS MiB  threads"
for n in $counts; do
  bench_run identity "$n"
  bench_run turndetect "$n"
  [ -z "${WITH_HOLD:-}" ] || bench_run hold "$n"
done
