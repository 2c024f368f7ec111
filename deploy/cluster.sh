#!/usr/bin/env bash
# N gst-sessionctx instances plus HAProxy in front of them, on one machine.
#
#   deploy/cluster.sh                          3 x `sessionbin` (echo), HAProxy on :8080
#   INSTANCES=4 PORT=9000 deploy/cluster.sh sessionbin drain-timeout=60 \
#       handler="wavenc ! filesink location=rec-{session_id}.wav"
#   deploy/cluster.sh --print-config           the HAProxy configuration only
#
# Instance k (1..N) listens on 127.0.0.1:FIRST_PORT+k-1 with
# trusted-proxies=127.0.0.1 (HAProxy's address towards it); the words
# after the options are its launch description, the first being the
# element that serves (sessionbin or sessionsrc ! ...), given port=,
# address=, trusted-proxies= (words of yours after it override them).
# HAProxy (deploy/haproxy.cfg, its bind and server lines rewritten) listens
# on LISTEN:PORT, its stats page on 127.0.0.1:STATS_PORT/stats.
#
# SIGTERM or SIGINT: every instance drains (SIGTERM to its launcher: live
# calls finish, at most drain-timeout), then HAProxy stops; exit 0 when
# every instance exited 0. An instance that dies is not restarted (use a
# service manager for that: pipelines/gst-sessionctx.service).
#
# Environment: INSTANCES (3), PORT (8080), LISTEN (127.0.0.1),
# FIRST_PORT (PORT+1), STATS_PORT (8404), HAPROXY (haproxy), BUILD_DIR.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
INSTANCES=${INSTANCES:-3}
PORT=${PORT:-8080}
LISTEN=${LISTEN:-127.0.0.1}
FIRST_PORT=${FIRST_PORT:-$((PORT + 1))}
STATS_PORT=${STATS_PORT:-8404}
HAPROXY=${HAPROXY:-haproxy}

print_config() {
  awk -v n="$INSTANCES" -v first="$FIRST_PORT" -v listen="$LISTEN" \
      -v port="$PORT" -v stats="$STATS_PORT" '
    /^frontend / { section = $2 }
    /^backend / { section = $2 }
    /^    bind / { print "    bind " (section == "stats" ? "127.0.0.1:" stats : listen ":" port); next }
    /^    server i[0-9]+ / { next }
    { print }
    /^    # servers/ {
      for (k = 1; k <= n; k++) {
        line = "    server i" k " 127.0.0.1:" (first + k - 1)
        if (section == "webrtc_offer") line = line " track instances/i" k
        print line
      }
    }' "$ROOT/deploy/haproxy.cfg"
}

if [ "${1:-}" = "--print-config" ]; then
  print_config
  exit 0
fi
if ! [[ $INSTANCES =~ ^[1-9][0-9]*$ ]]; then
  echo "INSTANCES must be a positive number" >&2
  exit 1
fi
[ $# -gt 0 ] || set -- sessionbin

BUILD=${BUILD_DIR:-$ROOT/build}
if [ -x "$BUILD/tools/gst-sessionctx-serve" ]; then
  # shellcheck source=pipelines/env.sh
  source "$ROOT/pipelines/env.sh"
  SERVE=$BUILD/tools/gst-sessionctx-serve
else
  SERVE=gst-sessionctx-serve
fi

RUN=$(mktemp -d)
print_config > "$RUN/haproxy.cfg"
"$HAPROXY" -c -q -f "$RUN/haproxy.cfg"

pids=()
for k in $(seq 1 "$INSTANCES"); do
  "$SERVE" "$1" port=$((FIRST_PORT + k - 1)) address=127.0.0.1 \
      trusted-proxies=127.0.0.1 "${@:2}" &
  pids+=($!)
done
"$HAPROXY" -db -f "$RUN/haproxy.cfg" &
haproxy_pid=$!
sleep 1
if ! kill -0 "$haproxy_pid" 2>/dev/null; then
  echo "cluster: HAProxy did not start; stopping the instances" >&2
  kill -INT "${pids[@]}" 2>/dev/null || true
  wait
  rm -rf "$RUN"
  exit 1
fi
echo "cluster: ${INSTANCES} instances on 127.0.0.1:${FIRST_PORT}-$((FIRST_PORT + INSTANCES - 1)), HAProxy on ${LISTEN}:${PORT} (pid ${haproxy_pid}), stats on 127.0.0.1:${STATS_PORT}/stats" >&2

stop() {
  trap '' TERM INT
  echo "cluster: draining ${INSTANCES} instances" >&2
  kill -TERM "${pids[@]}" 2>/dev/null || true
}
trap stop TERM INT

status=0
for pid in "${pids[@]}"; do
  while true; do
    wait "$pid" && rc=0 || rc=$?
    # A trapped signal ends the wait early: wait again while it runs.
    kill -0 "$pid" 2>/dev/null || break
  done
  [ "$rc" -eq 0 ] || status=$rc
done
# HAProxy: a soft stop (SIGUSR1) lets what it still carries finish.
kill -USR1 "$haproxy_pid" 2>/dev/null || true
wait "$haproxy_pid" 2>/dev/null || true
rm -rf "$RUN"
exit "$status"
