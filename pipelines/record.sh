#!/usr/bin/env bash
# One WAV file per session with sessionbin, in one gst-launch-1.0 line:
#   pipelines/record.sh [DIR]        (default: ./recordings; PORT=8080)
# Each session's file is DIR/rec-<id>.wav, the id sanitized by sessionbin
# (every character outside [A-Za-z0-9_-] becomes _). Ctrl-C finishes the
# files of live sessions (-e).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=pipelines/env.sh
source "$ROOT/pipelines/env.sh"
DIR=$(realpath -m "${1:-recordings}")
case "$DIR" in
  *[!A-Za-z0-9_./-]*) echo "record.sh: keep DIR to [A-Za-z0-9_./-]: $DIR" >&2; exit 2 ;;
esac
mkdir -p "$DIR"
echo "Recording every session to $DIR/rec-<id>.wav; clients connect to port ${PORT:-8080}"
exec gst-launch-1.0 -e sessionbin port="${PORT:-8080}" \
  handler="wavenc ! filesink location=$DIR/rec-{session_id}.wav"
