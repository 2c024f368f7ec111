#!/usr/bin/env bash
# What video costs per WebRTC peer, in one command: N client webrtcbins
# (bench-webrtc-peers, another process, core 1) against a server on core 0,
# ICE on 127.0.0.1, one row per server and media:
#   audio       sessionsrc ! sessionsink, Opus only (the audio floor)
#   audio-bin   sessionbin, its default echo, Opus only
#   v320        sessionbin echo, Opus + VP8 320x240@15
#   v640        sessionbin echo, Opus + VP8 640x480@30
#   v320-flip   sessionbin handler="videoflip video-direction=horiz",
#               Opus + VP8 320x240@15 (a video handler; audio not sent back)
# Each row prints the peers' line of bench-webrtc-peers: setup p50/p99
# (offer → first audio packet back, and → first video frame back), server
# threads, RSS and CPU per peer, frames back per peer per second. JSON per
# row in OUT.
#   usage: tests/bench/run_webrtc_video.sh [OUT] [SECONDS] [PEERS...]
#   env:   ROWS="audio audio-bin v320 v640 v320-flip"  PIN=1
set -eu
cd "$(dirname "$0")/../.."
source pipelines/env.sh
source tests/bench/lib.sh
bench_init build/bench-webrtc-video 15 "2 5" "$@"
port=19700
pin_server=(); pin_peers=()
if [ "${PIN:-1}" = 1 ]; then pin_server=(taskset -c 0); pin_peers=(taskset -c 1); fi
ice=(address=127.0.0.1 ice-addresses=127.0.0.1)
for n in $counts; do
  for row in ${ROWS:-audio audio-bin v320 v640 v320-flip}; do
    port=$((port + 1))
    video=()
    case $row in
      audio) server=(sessionsrc port=$port "${ice[@]}" ! sessionsink) ;;
      audio-bin) server=(sessionbin port=$port "${ice[@]}") ;;
      v320) server=(sessionbin port=$port "${ice[@]}"); video=(--video 320x240@15) ;;
      v640) server=(sessionbin port=$port "${ice[@]}"); video=(--video 640x480@30) ;;
      v320-flip) server=(sessionbin port=$port "${ice[@]}"
                         "handler=videoflip video-direction=horiz")
                 video=(--video 320x240@15) ;;
      *) echo "unknown row $row" >&2; exit 2 ;;
    esac
    "${pin_server[@]}" gst-launch-1.0 -q "${server[@]}" >"$out/$row-$n.log" 2>&1 &
    pid=$!
    # Listening (the first start may rebuild the plugin registry).
    for _ in $(seq 100); do
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
      sleep 0.1
    done
    sleep 0.5
    echo "== $row, $n peers"
    "${pin_peers[@]}" build/tests/bench/bench-webrtc-peers --port $port --peers "$n" \
        --seconds "$secs" --server-pid "$pid" "${video[@]}" \
        --json "$out/$row-$n.json" | sed -n 1,3p
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
done
