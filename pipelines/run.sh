#!/usr/bin/env bash
# The main job: install what is missing, build, and run the echo server
#   sessionsrc ! sessioninfo ! sessionsink
# on port 8080 (PORT=... to change). Every client hears its own audio back.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/scripts/bootstrap.sh"
# shellcheck source=pipelines/env.sh
source "$ROOT/pipelines/env.sh"

PORT=${PORT:-8080}
cat <<MSG
gst-sessionctx echo server on port $PORT

  Open http://127.0.0.1:$PORT/ in a browser: pick WebRTC or WebSocket,
  press Start and hear yourself back through the pipeline.

  FastRTC WebSocket:  ws://127.0.0.1:$PORT/websocket/offer
      send {"event":"start","websocket_id":"my-id"}, then
           {"event":"media","media":{"payload":"<base64 µ-law, 48 kHz>"}}
      you get back {"event":"media","media":{"payload":"<base64 µ-law, 24 kHz>"}}
  Twilio Media Streams: ws://127.0.0.1:$PORT/telephone/handler
  WebRTC (FastRTC signalling): POST http://127.0.0.1:$PORT/webrtc/offer
      {"sdp":"<offer>","type":"offer","webrtc_id":"my-id"} -> {"sdp":"<answer>","type":"answer"}
      (see README.md, "WebRTC", for curl and a browser snippet)

  Try it: /usr/bin/python3 $ROOT/tests/clients/fastrtc_ws_client.py \\
            ws://127.0.0.1:$PORT/websocket/offer --seconds 3
          (add --binary s16le for raw audio in binary frames, README
           "Binary media frames")

Ctrl-C stops the server.
MSG
exec gst-launch-1.0 -e sessionsrc port="$PORT" ! sessioninfo silent=false ! sessionsink
