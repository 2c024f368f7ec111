#!/usr/bin/env bash
# The one test command: install what is missing, build, run the whole suite,
# end with the line "N passed, M failed" (from meson's test log).
set -uo pipefail

# SANITIZE=1: build with ASan + UBSan (in build-sanitize/) and run the C++
# suites there; LeakSanitizer is off (GStreamer's own allocations at exit).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${SANITIZE:-0}" = 1 ]; then
  BUILD_DIR=${BUILD_DIR:-$ROOT/build-sanitize}
  export MESON_ARGS="-Db_sanitize=address,undefined -Db_lundef=false"
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  set -- --suite unit --suite sessionsrc --suite echo --suite webrtc --suite soak "$@"
fi
BUILD_DIR=${BUILD_DIR:-$ROOT/build}
export BUILD_DIR
"$ROOT/scripts/bootstrap.sh" || { echo "0 passed, 1 failed"; exit 1; }
# chromium and playwright-core for the page test (it skips without them).
"$ROOT/tests/page/bootstrap.sh" || echo "tests/page/bootstrap.sh failed: the page test will skip" >&2

meson test -C "$BUILD_DIR" --print-errorlogs "$@"
status=$?

log="$BUILD_DIR/meson-logs/testlog.json"
if [ -f "$log" ]; then
  read -r passed failed skipped < <(/usr/bin/python3 - "$log" <<'PY'
import json, sys
passed = failed = skipped = 0
for line in open(sys.argv[1]):
    result = json.loads(line)["result"]
    if result in ("OK", "EXPECTEDFAIL"):
        passed += 1
    elif result == "SKIP":
        skipped += 1
    else:
        failed += 1
print(passed, failed, skipped)
PY
)
else
  passed=0 failed=1 skipped=0
fi
if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
