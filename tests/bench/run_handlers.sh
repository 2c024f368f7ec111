#!/usr/bin/env bash
# What a handler per session costs (issue 22), side by side in one run: the
# bare epoll echo (the floor), `sessionsrc ! sessionsink`, sessionbin with
# handler=identity on the shared streaming threads (the default) and with a
# thread per session (streaming-threads=-1, how it ran before), and two
# realistic handlers (`audioresample ! level ! fakesink`, which sends
# nothing back, and `turndetect`). Twilio dialect, rate=8000 everywhere so
# only the handler differs; server pinned to core 0, the load generator to
# core 1; ROUNDS rounds per count, each server once per round in turn.
# Each run measures SECONDS from WARMUP seconds (default 3) after its last
# session started: the steady state, every server alike. sessionbin sets
# up a handler per session after its start (1000 took 1.5 s here), and
# the echoes of a session not yet set up wait for it; what that setup
# costs the live sessions is run_burst.sh's measure (WARMUP=0: the window
# opens at the last start, as before 2026-12-07).
# Prints loadgen's line per run, then a table per count: µs of server CPU
# per frame the server received (frames sent by the load generator: the
# receive-only handler echoes nothing), echo RTT p99, threads, RSS, each
# round's value separated by " / "; and how busy the server's core was
# (loadgen's core_busy_percent: the server and the kernel's work there
# that no process is charged for, e.g. softirqs in ksoftirqd): the
# headroom that p99 depends on. Last, every run of `sessionsrc !
# sessionsink` and sessionbin handler=identity at every count, by how busy
# the core was: how many held p99 <= 10 ms in each band (give a count
# high enough for sessionsrc too, e.g. 1000 1200, to see both cliffs).
# BEFORE=DIR adds a row for sessionbin handler=identity from another build
# directory (its plugin/ and src/: e.g. a copy of the build before a change).
# PAIRS=N (default 5) then runs, per count, N more pairs of `sessionsrc !
# sessionsink` and sessionbin handler=identity back to back (which comes
# first alternates) and prints each pair's ratio of CPU per frame and
# their median: the VM's speed wanders by ±15 % within minutes, so a ratio
# taken from two runs half a round apart is worth less than a median of
# pairs run side by side. PAIRS=0 leaves them out.
#   usage: tests/bench/run_handlers.sh [OUT] [SECONDS] [ROUNDS] [COUNTS...]
# e.g. tests/bench/run_handlers.sh build/bench-handlers 12 2 300 1000
set -eu
cd "$(dirname "$0")/../.."
source pipelines/env.sh
source tests/bench/lib.sh
out=${1:-build/bench-handlers}
secs=${2:-12}
rounds=${3:-2}
shift $(( $# > 3 ? 3 : $# ))
counts=${*:-300 1000}
mkdir -p "$out"
port=$((19000 + RANDOM % 400))
LOADGEN_ARGS="--position 160 --batch-gap-ms 10 --warmup ${WARMUP:-3} ${LOADGEN_ARGS:-}"
servers="floor sessionsrc pooled perthread level turndetect"
if [ -n "${BEFORE:-}" ]; then
  before_dir=$(cd "$BEFORE" && pwd)
  servers="floor before sessionsrc pooled perthread level turndetect"
fi
bin () {
  local p=$1
  shift
  GST_DEBUG=sessionbin:4 GST_DEBUG_NO_COLOR=1 exec taskset -c 0 \
      gst-launch-1.0 -q sessionbin port="$p" address=127.0.0.1 rate=8000 "$@"
}
floor () { exec taskset -c 0 build/tests/bench/floor-echo --port "$1"; }
sessionsrc () {
  exec taskset -c 0 gst-launch-1.0 -q sessionsrc port="$1" address=127.0.0.1 \
      rate=8000 ! sessionsink
}
pooled () { bin "$1" handler=identity; }
before () {
  export GST_PLUGIN_PATH=$before_dir/plugin LD_LIBRARY_PATH=$before_dir/src
  export GST_REGISTRY=$out/registry-before.bin
  bin "$1" handler=identity
}
perthread () { bin "$1" handler=identity streaming-threads=-1; }
level () { bin "$1" handler="audioresample ! level ! fakesink"; }
turndetect () { bin "$1" handler=turndetect; }
echo "          sessions held  frames sent  received  lost  RTT p50  p99  max (ms)  server CPU%  RSS MiB  threads"
for n in $counts; do
  for r in $(seq 1 "$rounds"); do
    for s in $servers; do
      bench_run "$s" "$n"
      mv "$out/$s-$n.json" "$out/$s-$n-$r.json"
      mv "$out/$s-$n.log" "$out/$s-$n-$r.log"
    done
  done
  for p in $(seq 1 "${PAIRS:-5}"); do
    order="sessionsrc pooled"
    [ $((p % 2)) -eq 0 ] && order="pooled sessionsrc"
    for s in $order; do
      bench_run "$s" "$n"
      mv "$out/$s-$n.json" "$out/pair-$s-$n-$p.json"
      mv "$out/$s-$n.log" "$out/pair-$s-$n-$p.log"
    done
  done
done
/usr/bin/python3 - "$out" "$rounds" "$servers" "${PAIRS:-5}" $counts <<'PY'
import json, statistics, sys
out, rounds, servers, pairs, counts = (sys.argv[1], int(sys.argv[2]), sys.argv[3].split(),
                                       int(sys.argv[4]), sys.argv[5:])
names = {
    "floor": "bare epoll echo (floor)",
    "sessionsrc": "sessionsrc ! sessionsink",
    "pooled": "sessionbin handler=identity",
    "before": "sessionbin handler=identity, BEFORE build",
    "perthread": "  same, streaming-threads=-1",
    "level": "sessionbin audioresample ! level ! fakesink",
    "turndetect": "sessionbin handler=turndetect",
}
for n in counts:
    rows = {}
    for s in servers:
        rs = [json.load(open(f"{out}/{s}-{n}-{r}.json")) for r in range(1, rounds + 1)]
        rows[s] = rs
    print(f"\n{n} sessions, {rounds} rounds (values per round):")
    print("| server | µs CPU per frame | ÷ sessionsrc | p99 echo (ms) | frames lost | threads | RSS MiB | core busy % |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    def us(r):
        f = r["frames_sent"]
        return r["server"]["cpu_s"] * 1e6 / f if f else float("nan")
    def busy(rs):
        values = (r["server"].get("core_busy_percent", -1) for r in rs)
        return " / ".join("%.0f" % v if v >= 0 else "?" for v in values)
    base = [us(r) for r in rows["sessionsrc"]]
    for s in servers:
        rs = rows[s]
        echo = s not in ("level", "turndetect")
        print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            names[s],
            " / ".join("%.1f" % us(r) for r in rs),
            " / ".join("%.2f" % (us(r) / b) for r, b in zip(rs, base)),
            " / ".join("%.2f" % r["rtt_ms"]["p99"] for r in rs) if echo else "(no echo)",
            " / ".join(str(r["frames_lost"]) for r in rs) if echo else "–",
            " / ".join(str(r["server"]["threads"]) for r in rs),
            " / ".join("%.0f" % (r["server"]["rss_kb"] / 1024) for r in rs),
            busy(rs)))
    if pairs:
        src = [json.load(open(f"{out}/pair-sessionsrc-{n}-{p}.json")) for p in range(1, pairs + 1)]
        pooled = [json.load(open(f"{out}/pair-pooled-{n}-{p}.json")) for p in range(1, pairs + 1)]
        ratios = [us(b) / us(a) for a, b in zip(src, pooled)]
        print(f"\n{n} sessions, {pairs} pairs back to back, sessionbin handler=identity ÷ "
              f"sessionsrc ! sessionsink, µs CPU per frame: "
              + ", ".join("%.2f (%.1f / %.1f)" % (q, us(b), us(a))
                          for q, a, b in zip(ratios, src, pooled))
              + "; median %.2f" % statistics.median(ratios))
        print("  p99 echo (ms), sessionbin: %s; sessionsrc: %s; frames lost: %s / %s" % (
            " / ".join("%.2f" % r["rtt_ms"]["p99"] for r in pooled),
            " / ".join("%.2f" % r["rtt_ms"]["p99"] for r in src),
            sum(r["frames_lost"] for r in pooled), sum(r["frames_lost"] for r in src)))
        print("  server's core busy %%, sessionbin: %s; sessionsrc: %s" % (busy(pooled), busy(src)))
# Whether p99 held by how busy the server's core was, every run of both
# servers at every count: where each goes off the cliff, side by side.
runs = {"sessionsrc": [], "pooled": []}
for n in counts:
    for s in runs:
        runs[s] += [json.load(open(f"{out}/{s}-{n}-{r}.json")) for r in range(1, rounds + 1)]
        runs[s] += [json.load(open(f"{out}/pair-{s}-{n}-{p}.json")) for p in range(1, pairs + 1)]
bands = [(0, 70), (70, 75), (75, 80), (80, 85), (85, 101)]
print("\np99 echo <= 10 ms by the server's core busy %, runs held / runs (all counts):")
print("| server | " + " | ".join("%d-%d %%" % b if b[1] < 101 else ">= %d %%" % b[0] for b in bands) + " |")
print("| --- |" + " ---: |" * len(bands))
for s in runs:
    cells = []
    for lo, hi in bands:
        rs = [r for r in runs[s] if lo <= r["server"].get("core_busy_percent", -1) < hi]
        cells.append("%d / %d" % (sum(r["rtt_ms"]["p99"] <= 10 for r in rs), len(rs)) if rs else "–")
    print("| %s | %s |" % (names[s], " | ".join(cells)))
PY
