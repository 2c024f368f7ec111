#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang (ASan + UBSan, in
# their own build directory: the main build uses g++) and runs each for a
# while. One line per target, then "fuzz: N targets, M failed"; exits
# non-zero on any crash, sanitizer report, leak or timeout.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]   (default 20 s, every target)
#   FUZZ_BUILD_DIR  build directory (default: <repo>/build-fuzz)
#   FUZZ_JOBS       targets run at once (default 2)
#   FUZZ_NICE       nice level of the fuzzers (default 0)
#   FUZZ_ARGS       extra libFuzzer arguments
#
# Each target reads its seeds from tests/fuzz/corpus/<name>/ (fuzz_<name>)
# and its dictionary from tests/fuzz/<name>.dict, and writes
# what it finds to FUZZ_BUILD_DIR/corpus/<target>/ (never to the seeds);
# a crashing input lands in FUZZ_BUILD_DIR/artifacts/<target>/.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FUZZ=$ROOT/tests/fuzz
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
SECONDS_EACH=${1:-20}
shift || true
ALL_TARGETS=(fuzz_websocket fuzz_messages fuzz_signalling fuzz_sdp fuzz_base64
             fuzz_mulaw fuzz_rtphdrext fuzz_twilio)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi
JOBS=${FUZZ_JOBS:-2}

CXX=${FUZZ_CXX:-}
if [ -z "$CXX" ]; then
  for c in clang++-14 clang++; do
    command -v "$c" >/dev/null && { CXX=$c; break; }
  done
fi
if [ -z "$CXX" ]; then
  echo "fuzz: no clang++ (Debian: clang-14 libclang-rt-14-dev)" >&2
  exit 77
fi

# ---------------------------------------------------------------- build
mkdir -p "$BUILD"
PKGS="gstreamer-1.0 gstreamer-sdp-1.0 gstreamer-rtp-1.0 json-glib-1.0 simdjson glib-2.0"
CFLAGS="-std=c++17 -O1 -g -fno-omit-frame-pointer -DGST_USE_UNSTABLE_API \
  -fsanitize=address,undefined -fno-sanitize-recover=undefined \
  -I$ROOT/src -I$ROOT/src/internal -I$ROOT/plugin -I$ROOT/tests \
  $(pkg-config --cflags $PKGS)" || exit 1
LIBS=$(pkg-config --libs $PKGS) || exit 1

# The instrumented libraries, one per room the fuzzers reach: every source
# of a folder, or the pure part of one (offer inspection needs no webrtcbin;
# the session API's request parsing no libsoup).
declare -A LIBRARY_SOURCES=(
  [wire]="$(cd "$ROOT" && ls src/internal/wire/*.cpp | tr '\n' ' ')"
  [offer]="plugin/webrtc/offerinspect.cpp plugin/webrtc/videocodec.cpp"
  [api]="src/internal/http/apirequest.cpp src/internal/core/apimetrics.cpp"
  [rtp]="plugin/rtp/sessionidwire.cpp plugin/rtp/contextcache.cpp plugin/rtp/gstrtphdrextsessionctx.cpp"
  [context]="$(cd "$ROOT" && ls src/*.cpp | tr '\n' ' ')"
  [twilio]="src/internal/http/twiliosignature.cpp src/internal/http/publicurl.cpp"
  [cluster]="src/internal/cluster/clusterurls.cpp src/internal/cluster/clusterentry.cpp"
  [clusterlookup]="src/internal/cluster/clusterlookup.cpp src/internal/cluster/redisconnection.cpp src/internal/core/serverdebug.cpp"
)
# The libraries each target links (besides its own tests/fuzz/<target>.cpp).
declare -A LIBRARIES=(
  [fuzz_websocket]="wire"
  [fuzz_messages]="wire"
  [fuzz_signalling]="offer api cluster wire context"
  [fuzz_sdp]="offer wire"
  [fuzz_base64]="wire"
  [fuzz_mulaw]="wire"
  [fuzz_rtphdrext]="rtp clusterlookup cluster context"
  [fuzz_twilio]="twilio"
)

{
  echo "cxx = $CXX"
  echo "cflags = $CFLAGS"
  echo "libs = $LIBS"
  echo "rule cxx"
  echo "  command = \$cxx \$cflags \$extra -MMD -MF \$out.d -c \$in -o \$out"
  echo "  depfile = \$out.d"
  echo "  deps = gcc"
  echo "  description = CXX \$out"
  echo "rule ar"
  echo "  command = rm -f \$out && ar rcs \$out \$in"
  echo "  description = AR \$out"
  echo "rule link"
  echo "  command = \$cxx -fsanitize=fuzzer,address,undefined \$in -o \$out \$libs"
  echo "  description = LINK \$out"
  for l in "${!LIBRARY_SOURCES[@]}"; do
    objs=""
    for s in ${LIBRARY_SOURCES[$l]}; do
      o=obj/${s//\//_}.o
      echo "build $o: cxx $ROOT/$s"
      echo "  extra = -fsanitize=fuzzer-no-link"
      objs="$objs $o"
    done
    echo "build lib$l.a: ar$objs"
  done
  for t in "${ALL_TARGETS[@]}"; do
    echo "build obj/$t.o: cxx $FUZZ/$t.cpp"
    echo "  extra = -fsanitize=fuzzer"
    objs="obj/$t.o"
    for l in ${LIBRARIES[$t]}; do objs="$objs lib$l.a"; done
    echo "build $t: link $objs"
  done
} > "$BUILD/build.ninja.new"
if ! cmp -s "$BUILD/build.ninja.new" "$BUILD/build.ninja"; then
  mv "$BUILD/build.ninja.new" "$BUILD/build.ninja"
else
  rm "$BUILD/build.ninja.new"
fi
if ! ninja -C "$BUILD" -j "${FUZZ_BUILD_JOBS:-2}" "${TARGETS[@]}" > "$BUILD/build.log" 2>&1; then
  tail -n 40 "$BUILD/build.log" >&2
  echo "fuzz: build failed (see $BUILD/build.log)"
  exit 1
fi

# ------------------------------------------------------------------ run
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# GLib criticals are bugs too (an abort is a crash to libFuzzer).
export G_DEBUG=fatal-criticals
export GST_DEBUG=${GST_DEBUG:-*:1}
# No plugins are needed: no registry to scan.
export GST_REGISTRY_DISABLE=yes
mkdir -p "$BUILD/logs"

run_one () {
  local t=$1 dict=() log=$BUILD/logs/$1.log
  mkdir -p "$BUILD/corpus/$t" "$BUILD/artifacts/$t"
  touch "$BUILD/logs/$t.start"
  [ -f "$FUZZ/${t#fuzz_}.dict" ] && dict=(-dict="$FUZZ/${t#fuzz_}.dict")
  # shellcheck disable=SC2086
  nice -n "${FUZZ_NICE:-0}" "$BUILD/$t" -max_total_time="$SECONDS_EACH" \
    -timeout=25 -rss_limit_mb=1024 -print_final_stats=1 "${dict[@]}" \
    -artifact_prefix="$BUILD/artifacts/$t/" ${FUZZ_ARGS:-} \
    "$BUILD/corpus/$t" "$FUZZ/corpus/${t#fuzz_}" > "$log" 2>&1
  echo $? > "$BUILD/logs/$t.rc"
}

for t in "${TARGETS[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
  run_one "$t" &
done
wait

failed=0
for t in "${TARGETS[@]}"; do
  log=$BUILD/logs/$t.log
  rc=$(cat "$BUILD/logs/$t.rc" 2>/dev/null || echo 1)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  # The last status line: "#N DONE cov: C ft: F corp: U/Sb ..."
  status=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$status")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$status")
  corpus=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' <<< "$status")
  crashes=$(find "$BUILD/artifacts/$t" -type f -newer "$BUILD/logs/$t.start" | wc -l)
  reports=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|SUMMARY: ' "$log")
  verdict=ok
  if [ "$rc" != 0 ] || [ "$reports" -gt 0 ] || [ "$crashes" -gt 0 ] || [ -z "$runs" ]; then
    verdict=FAILED
    failed=$((failed + 1))
  fi
  printf '%-16s %-6s %10s runs %8s exec/s  cov %5s  ft %6s  corpus %5s  crashes %s  (%s s)\n' \
    "$t" "$verdict" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" \
    "${corpus:-?}" "$crashes" "$SECONDS_EACH"
done
for t in "${TARGETS[@]}"; do
  log=$BUILD/logs/$t.log
  if grep -qE 'ERROR: |runtime error:|SUMMARY: ' "$log" || \
     [ "$(cat "$BUILD/logs/$t.rc" 2>/dev/null)" != 0 ]; then
    echo "---- $t: $log"
    grep -E -A 30 'ERROR: |runtime error:' "$log" | head -n 60
  fi
done
echo "fuzz: ${#TARGETS[@]} targets, $failed failed"
[ "$failed" -eq 0 ]
