#!/usr/bin/env bash
# Each WebRTC caller sees their own camera mirrored (and hears nothing back:
# the handler takes video only):
#   pipelines/video_mirror.sh              (PORT=8080)
# videoflip's `video-direction` does it; its older `method` property is
# ignored by Debian's GStreamer 1.22 (measured: no flip).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=pipelines/env.sh
source "$ROOT/pipelines/env.sh"
echo "Mirroring every caller's camera; browsers open http://127.0.0.1:${PORT:-8080}/"
exec gst-launch-1.0 sessionbin port="${PORT:-8080}" \
  handler="videoflip video-direction=horiz"
