#!/usr/bin/env bash
# Two builds of the plugin side by side, pair by pair, with the floor: what
# a change does to `sessionsrc ! sessionsink`'s CPU per frame (defaults,
# Twilio, server on core 0, load generator on core 1; see run_load.sh).
#   usage: tests/bench/run_ab.sh BUILD_A BUILD_B [OUT] [SECONDS] [PAIRS] [SESSIONS]
# e.g. tests/bench/run_ab.sh /tmp/main/build build build/bench-ab 10 3 500
# BUILD_A and BUILD_B are build directories (their plugin/ and src/); the
# load generator and the floor are this tree's build/tests/bench ones.
set -eu
cd "$(dirname "$0")/../.."
build_a=$(cd "$1" && pwd)
build_b=$(cd "$2" && pwd)
shift 2
source tests/bench/lib.sh
out=${1:-build/bench-ab}
secs=${2:-10}
pairs=${3:-3}
n=${4:-500}
mkdir -p "$out"
port=19600
serve () {
  export GST_PLUGIN_PATH=$2/plugin LD_LIBRARY_PATH=$2/src
  export GST_REGISTRY=$out/registry-$(basename "$(dirname "$2")").bin
  exec taskset -c 0 gst-launch-1.0 -q sessionsrc port="$1" address=127.0.0.1 \
      ! sessionsink
}
a () { serve "$1" "$build_a"; }
b () { serve "$1" "$build_b"; }
floor () { exec taskset -c 0 build/tests/bench/floor-echo --port "$1"; }
LOADGEN_ARGS="--position 160 --batch-gap-ms 10 ${LOADGEN_ARGS:-}"
echo "A: $build_a"
echo "B: $build_b"
echo "        sessions held  frames sent  received  lost  RTT p50  p99  max (ms)  server CPU%  RSS MiB  threads"
for i in $(seq 1 "$pairs"); do
  for which in a b floor; do
    bench_run "$which" "$n"
    mv "$out/$which-$n.json" "$out/$which-$n-$i.json"
  done
done
/usr/bin/python3 - "$out" "$n" "$pairs" <<'PY'
import json, sys
out, n, pairs = sys.argv[1], sys.argv[2], int(sys.argv[3])
def per_frame(name, i):
    r = json.load(open(f"{out}/{name}-{n}-{i}.json"))
    frames = r["frames_received"]
    return (r["server"]["cpu_s"] * 1e6 / frames) if frames else float("nan"), r
print(f"\n{n} sessions, µs of server CPU per echoed frame (A / B / floor, B÷A), frames lost A / B:")
ratios = []
for i in range(1, pairs + 1):
    a, ra = per_frame("a", i)
    b, rb = per_frame("b", i)
    f, _ = per_frame("floor", i)
    ratios.append(b / a)
    print(f"  pair {i}: {a:6.2f} / {b:6.2f} / {f:6.2f}   {b / a:5.3f}   lost {ra['frames_lost']} / {rb['frames_lost']}")
ratios.sort()
print(f"  median B÷A: {ratios[len(ratios) // 2]:.3f}")
PY
