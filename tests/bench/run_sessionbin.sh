#!/usr/bin/env bash
# sessionbin handler=identity against sessionsrc ! sessionsink, side by side
# (Twilio dialect, rate=8000 for both so only the per-session handler differs),
# server pinned to core 0, load generator to core 1: CPU, RSS and threads at
# each session count, and the handler setup time per session (from
# sessionbin's "handler ready in N us" log line).
#   usage: tests/bench/run_sessionbin.sh [OUT] [SECONDS] [COUNTS...]
set -eu
cd "$(dirname "$0")/../.."
source pipelines/env.sh
source tests/bench/lib.sh
bench_init build/bench-sessionbin 10 "100 300 500" "$@"
port=19700
sessionsrc () {
  exec taskset -c 0 gst-launch-1.0 -q sessionsrc port="$1" address=127.0.0.1 \
      rate=8000 ! sessionsink
}
sessionbin () {
  GST_DEBUG=sessionbin:4 GST_DEBUG_NO_COLOR=1 exec taskset -c 0 gst-launch-1.0 -q \
      sessionbin port="$1" address=127.0.0.1 rate=8000 handler=identity
}
echo "        sessions held  frames sent  received  lost  RTT p50  p99  max (ms)  server CPU%  RSS MiB  threads"
for n in $counts; do
  bench_run sessionsrc "$n"
  bench_run sessionbin "$n"
  /usr/bin/python3 - "$out/sessionbin-$n.log" "$n" <<'PY'
import re, statistics, sys
us = [int(m) for m in re.findall(r"handler ready in (\d+) us", open(sys.argv[1], errors="replace").read())]
if us:
    us.sort()
    print("sessionbin %s: handler setup per session: %d sessions, median %d us, p99 %d us, max %d us"
          % (sys.argv[2], len(us), statistics.median(us), us[int(len(us) * 0.99) - 1], us[-1]))
PY
done
