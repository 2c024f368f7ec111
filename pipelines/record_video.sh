#!/usr/bin/env bash
# One WebM per WebRTC session (audio and video) with sessionbin:
#   pipelines/record_video.sh [DIR]        (default: ./recordings; PORT=8080)
# The handler has a chain per kind: sessionbin links the session's audio to
# audioconvert and its video to videoconvert (matched by caps), both muxed
# into DIR/rec-<id>.webm (the id sanitized). Ctrl-C finishes the files of
# live sessions (-e).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=pipelines/env.sh
source "$ROOT/pipelines/env.sh"
DIR=$(realpath -m "${1:-recordings}")
case "$DIR" in
  *[!A-Za-z0-9_./-]*) echo "record_video.sh: keep DIR to [A-Za-z0-9_./-]: $DIR" >&2; exit 2 ;;
esac
mkdir -p "$DIR"
echo "Recording every session to $DIR/rec-<id>.webm; browsers open http://127.0.0.1:${PORT:-8080}/"
exec gst-launch-1.0 -e sessionbin port="${PORT:-8080}" \
  handler="webmmux name=m ! filesink location=$DIR/rec-{session_id}.webm  audioconvert ! opusenc ! m.  videoconvert ! vp8enc deadline=1 cpu-used=8 ! m."
