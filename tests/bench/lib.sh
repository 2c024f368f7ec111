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
