#!/usr/bin/env bash
# The server as a service: gst-sessionctx-serve runs a pipeline description
# (as gst-launch-1.0 does) and maps the stop signals:
#   SIGTERM (systemd, Kubernetes)  drain: no new session, the live ones
#           finish (at most drain-timeout, default 25 s), then exit 0
#   SIGINT  end now: sessions closed with 1001, recordings complete, exit 0
#   a second signal                stop at once (exit 2)
# This script `exec`s the launcher, so the signal reaches it, not a shell.
#   pipelines/serve.sh                            sessionbin echo, PORT (8080)
#   pipelines/serve.sh sessionbin port=8080 drain-timeout=60 \
#       handler="wavenc ! filesink location=recordings/{session_id}.wav"
# From a build tree (BUILD_DIR, default <repo>/build) when there is one,
# else the installed gst-sessionctx-serve. Example systemd unit:
# pipelines/gst-sessionctx.service.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD_DIR:-$ROOT/build}
if [ -x "$BUILD/tools/gst-sessionctx-serve" ]; then
  # shellcheck source=pipelines/env.sh
  source "$ROOT/pipelines/env.sh"
  SERVE=$BUILD/tools/gst-sessionctx-serve
else
  SERVE=gst-sessionctx-serve
fi
if [ $# -eq 0 ]; then
  set -- sessionbin port="${PORT:-8080}"
fi
exec "$SERVE" "$@"
