#!/usr/bin/env bash
# Per-session processing that shows the context: every session gets its own
# noise suppressor (webrtcdsp) and level meter, and hears the result; the
# level readings arrive on the bus named after their session:
#   pipelines/denoise_levels.sh      (PORT=8080)
# prints lines like
#   alice  rms -15.2 dB  peak -12.0 dB
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=pipelines/env.sh
source "$ROOT/pipelines/env.sh"
gst-launch-1.0 -m sessionbin port="${PORT:-8080}" \
  handler="audioconvert ! webrtcdsp echo-cancel=false noise-suppression=true ! level interval=500000000 ! audioconvert" |
  /usr/bin/python3 -u -c '
import re, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)  # gst-launch-1.0 ends the stream
for line in sys.stdin:
    if "(element): level," not in line:
        continue
    sid = re.search(r"session-id=\(string\)(\S+?)[,;]", line)
    rms = re.search(r"rms=\(GValueArray\)< ([^,>\s]+)", line)
    peak = re.search(r"peak=\(GValueArray\)< ([^,>\s]+)", line)
    if sid and rms and peak:
        print("%-20s rms %6.1f dB  peak %6.1f dB" % (sid.group(1).strip("\""),
              float(rms.group(1)), float(peak.group(1))))
'
