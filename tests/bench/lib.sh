# Shared by the tests/bench/run_*.sh scripts (sourced from the top of the
# repository, after pipelines/env.sh).
#   bench_init DEFAULT_OUT DEFAULT_SECONDS "DEFAULT_COUNTS" "$@"
# sets out, secs and counts from the script's arguments [OUT] [SECONDS]
# [COUNTS...] and creates OUT.
bench_init () {
  local d_out=$1 d_secs=$2 d_counts=$3
  shift 3
  out=${1:-$d_out}
  secs=${2:-$d_secs}
  shift $(( $# > 2 ? 2 : $# ))
  counts=${*:-$d_counts}
  mkdir -p "$out"
}

# bench_run NAME SESSIONS: starts the server function NAME with a fresh port
# (from $port on; its output in $out/NAME-SESSIONS.log), runs loadgen
# (Twilio, core 1) against it for $secs seconds, prints loadgen's result
# line prefixed with NAME (JSON in $out/NAME-SESSIONS.json), stops it.
bench_run () {
  local name=$1 n=$2
  port=$((port + 1))
  $name $port >"$out/$name-$n.log" 2>&1 &
  local pid=$!
  sleep 1.5
  taskset -c 1 build/tests/bench/loadgen --dialect twilio --port $port \
      --sessions "$n" --seconds "$secs" --server-pid "$pid" ${LOADGEN_ARGS:-} \
      --json "$out/$name-$n.json" | sed -n 2p | sed "s/^/$name /"
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
