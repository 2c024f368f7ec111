#!/usr/bin/env python3
"""End of a caller's speech to the first sample of the reply at the client,
for FastRTC's echo demo, `sessionbin handler=turndetect`: many callers at
once (real WebSocket clients, FastRTC JSON or Twilio, 20 ms frames at
real-time pace), each speaking espeak-ng utterances between pauses long
enough for the reply to play whole. The end is the utterance's last sample
above 1 % of its peak, on the client's own clock (when its frame was due to
be sent); the reply's first sample is the arrival of its first frame. It
includes turndetect's pause-duration (0.6 s: the end of a turn is a pause
that long); what is over it is detection, the server and the network.

    source pipelines/env.sh
    /usr/bin/python3 tests/bench/turn_latency.py --sessions 20 --turns 10

The server (gst-launch-1.0) runs on core 0, these clients on core 1.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import speech  # noqa: E402
from servers import free_port, stop_server, wait_listening  # noqa: E402
from turnclient import Caller, run_callers  # noqa: E402

PAUSE = 0.6


def script(rate, turns, rng, cache):
    """@turns utterances (random texts and voices) at @rate after a random
    lead, each followed by its reply's time and 1.5 s; the signal and the
    true [start, end) of each."""
    parts, truth = [], []
    t = rng.uniform(0.3, 2.0)
    parts.append(np.zeros(int(t * rate)))
    for _ in range(turns):
        key = (rng.randrange(len(speech.TEXTS)), rng.randrange(len(speech.VOICES)), rate)
        if key not in cache:
            cache[key] = speech.synth(speech.TEXTS[key[0]], speech.VOICES[key[1]], rate, -20)
        u = cache[key]
        truth.append((t, t + len(u) / rate))
        gap = len(u) / rate + 1.5 + PAUSE
        parts += [u, np.zeros(int(gap * rate))]
        t += len(u) / rate + int(gap * rate) / rate
    return speech.to_s16(np.concatenate(parts)), truth


def latencies(caller, truth):
    """Per utterance: first reply frame's arrival - the utterance's end (s),
    or None when no reply began within 3 s."""
    bursts = [b for b in caller.bursts() if len(b[2]) >= caller.rate_out // 100]
    out = []
    for _a, b in truth:
        first = next((r[0] for r in bursts if b < r[0] < b + 3.0), None)
        out.append(None if first is None else first - b)
    return out


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--turns", type=int, default=10, help="utterances per session")
    parser.add_argument("--dialect", choices=["fastrtc", "twilio"], default="fastrtc")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json")
    args = parser.parse_args()

    try:
        os.sched_setaffinity(0, {1})
    except OSError:
        pass
    port = free_port()
    server = subprocess.Popen(
        ["taskset", "-c", "0", "gst-launch-1.0", "-q", "sessionbin", "port=%d" % port,
         "address=127.0.0.1", "handler=turndetect"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        if not wait_listening(port, proc=server):
            print("the server does not listen")
            return 1
        rng = random.Random(args.seed)
        cache = {}
        callers = [Caller("bench-%d" % i, dialect=args.dialect) for i in range(args.sessions)]
        scripts = [script(c.rate_in, args.turns, rng, cache) for c in callers]
        t0 = time.time()
        run_callers(port, [(c, s) for c, (s, _t) in zip(callers, scripts)])
        wall = time.time() - t0
    finally:
        stop_server(server)
    lat = []
    missed = 0
    for c, (_s, truth) in zip(callers, scripts):
        for x in latencies(c, truth):
            if x is None:
                missed += 1
            else:
                lat.append(x * 1000)
    load = os.getloadavg()
    print("%d sessions (%s), %d turns each, %.0f s; load average %.2f %.2f %.2f" % (
        args.sessions, args.dialect, args.turns, wall, *load))
    print("end of speech -> first reply sample at the client, ms (includes the 600 ms pause):")
    print("  turns %d, missed %d, p50 %.0f, p90 %.0f, p99 %.0f, max %.0f, min %.0f" % (
        len(lat), missed, pct(lat, 0.5), pct(lat, 0.9), pct(lat, 0.99),
        max(lat) if lat else float("nan"), min(lat) if lat else float("nan")))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"sessions": args.sessions, "dialect": args.dialect, "turns": len(lat),
                       "missed": missed, "latency_ms": lat, "load": load}, f)
    return 0 if lat and not missed else 1


if __name__ == "__main__":
    sys.exit(main())
