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
# With Redis (redis-server found, REDIS_PORT not 0) the instances share a
# directory: a redis-server on 127.0.0.1:REDIS_PORT (nothing saved) is
# started first and each instance gets directory=redis://127.0.0.1:REDIS_PORT
# and instance-url=http://127.0.0.1:its port, so the session API (give an
# api-token=) on any instance answers for every session and an id is live
# on one instance at a time (docs/OPERATIONS.md, "Cluster directory").
#
# SIGTERM or SIGINT: every instance drains (SIGTERM to its launcher: live
# calls finish, at most drain-timeout), then HAProxy stops; exit 0 when
# every instance exited 0. An instance that dies is not restarted (use a
# service manager for that: pipelines/gst-sessionctx.service).
#
# Environment: INSTANCES (3), PORT (8080), LISTEN (127.0.0.1),
# FIRST_PORT (PORT+1), STATS_PORT (8404), HAPROXY (haproxy), BUILD_DIR,
# REDIS_PORT (6379; 0: no directory), REDIS (redis-server).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
INSTANCES=${INSTANCES:-3}
PORT=${PORT:-8080}
LISTEN=${LISTEN:-127.0.0.1}
FIRST_PORT=${FIRST_PORT:-$((PORT + 1))}
STATS_PORT=${STATS_PORT:-8404}
HAPROXY=${HAPROXY:-haproxy}
REDIS_PORT=${REDIS_PORT:-6379}
REDIS=${REDIS:-redis-server}

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

redis_pid=
if [ "$REDIS_PORT" != 0 ] && command -v "$REDIS" >/dev/null; then
  "$REDIS" --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
      --daemonize no >"$RUN/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT") 2>/dev/null && break
    kill -0 "$redis_pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! kill -0 "$redis_pid" 2>/dev/null; then
    echo "cluster: redis-server did not start on 127.0.0.1:${REDIS_PORT}" >&2
    cat "$RUN/redis.log" >&2
    rm -rf "$RUN"
    exit 1
  fi
fi

pids=()
for k in $(seq 1 "$INSTANCES"); do
  port=$((FIRST_PORT + k - 1))
  directory=()
  [ -z "$redis_pid" ] || directory=(directory="redis://127.0.0.1:$REDIS_PORT"
      instance-url="http://127.0.0.1:$port")
  "$SERVE" "$1" port=$port address=127.0.0.1 \
      trusted-proxies=127.0.0.1 "${directory[@]}" "${@:2}" &
  pids+=($!)
done
"$HAPROXY" -db -f "$RUN/haproxy.cfg" &
haproxy_pid=$!
sleep 1
if ! kill -0 "$haproxy_pid" 2>/dev/null; then
  echo "cluster: HAProxy did not start; stopping the instances" >&2
  kill -INT "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" || true
  [ -z "$redis_pid" ] || kill "$redis_pid" 2>/dev/null || true
  wait
  rm -rf "$RUN"
  exit 1
fi
echo "cluster: ${INSTANCES} instances on 127.0.0.1:${FIRST_PORT}-$((FIRST_PORT + INSTANCES - 1)), HAProxy on ${LISTEN}:${PORT} (pid ${haproxy_pid}), stats on 127.0.0.1:${STATS_PORT}/stats${redis_pid:+, directory redis://127.0.0.1:${REDIS_PORT}}" >&2

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
# Redis last: the instances deleted their sessions from it as they ended.
if [ -n "$redis_pid" ]; then
  kill -TERM "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
fi
rm -rf "$RUN"
exit "$status"
