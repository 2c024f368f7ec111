#!/usr/bin/env python3
"""Echo round trip through a running `sessionsrc ! ... ! sessionsink`.

N Twilio-dialect sessions each send a 20 ms µ-law frame every 20 ms; every
10th frame is a loud burst, the rest silence. The round trip of a burst is
the time from sending it to receiving the first loud frame back. Prints
p50/p99/max per run as a table and JSON.

    /usr/bin/python3 tests/bench/echo_rtt.py --port 8080 --sessions 10 --seconds 10

(The C++ epoll load generator for thousands of sessions is issue 4's.)
"""
import argparse
import asyncio
import base64
import json
import statistics
import time

import websockets

LOUD = bytes([0x80 ^ 0x10] * 160)  # µ-law, large amplitude
SILENT = bytes([0xFF] * 160)


async def session(url, sid, seconds, rtts, lost):
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps({"event": "start", "streamSid": sid,
                                  "start": {"streamSid": sid}}))
        pending = []  # send times of bursts not yet echoed

        async def receive():
            async for message in ws:
                data = json.loads(message)
                if data.get("event") != "media":
                    continue
                payload = base64.b64decode(data["media"]["payload"])
                loud = sum(1 for b in payload if (b & 0x7F) < 0x40)
                if loud > len(payload) // 2 and pending:
                    rtts.append(time.perf_counter() - pending.pop(0))
                    # One burst may come back as two frames: skip its tail.
                    skip_until[0] = time.perf_counter() + 0.03

        skip_until = [0.0]
        receiver = asyncio.create_task(receive())
        start = time.perf_counter()
        n = 0
        while time.perf_counter() - start < seconds:
            frame = LOUD if n % 10 == 5 else SILENT
            if frame is LOUD:
                pending.append(time.perf_counter())
            await ws.send(json.dumps({"event": "media", "streamSid": sid,
                                      "media": {"payload": base64.b64encode(frame).decode()}}))
            n += 1
            next_at = start + n * 0.02
            await asyncio.sleep(max(0, next_at - time.perf_counter()))
        await asyncio.sleep(0.3)
        lost.append(len(pending))
        receiver.cancel()
        await ws.send(json.dumps({"event": "stop"}))


async def main(args):
    rtts, lost = [], []
    url = "ws://%s:%d/telephone/handler" % (args.host, args.port)
    await asyncio.gather(*(session(url, "MZbench%d" % i, args.seconds, rtts, lost)
                           for i in range(args.sessions)))
    ms = sorted(r * 1000 for r in rtts)
    result = {
        "sessions": args.sessions, "bursts_echoed": len(ms), "bursts_lost": sum(lost),
        "rtt_ms_p50": round(statistics.median(ms), 2) if ms else None,
        "rtt_ms_p99": round(ms[min(len(ms) - 1, int(len(ms) * 0.99))], 2) if ms else None,
        "rtt_ms_max": round(ms[-1], 2) if ms else None,
    }
    print("sessions  echoed  lost  p50 ms  p99 ms  max ms")
    print("%8d  %6d  %4d  %6s  %6s  %6s" % (result["sessions"], result["bursts_echoed"],
          result["bursts_lost"], result["rtt_ms_p50"], result["rtt_ms_p99"], result["rtt_ms_max"]))
    print(json.dumps(result))


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--sessions", type=int, default=10)
    p.add_argument("--seconds", type=float, default=10)
    asyncio.run(main(p.parse_args()))
