#!/usr/bin/env python3
"""The handshake threads (one per I/O thread, "sessionaccept": accept,
TLS, HTTP, the WebSocket upgrade), with real clients against an
in-process `sessionsrc rate=8000 ! sessionsink` (Twilio µ-law comes back
byte for byte).

    test_handshake.py burst | burst-io2  (io-threads 1 | 2)
        live Twilio sessions stream while 300 more connect at once (upgrade,
        connected, start; some only upgrade, some hang up mid-request): every
        live session gets back every byte it sent, in order; every burst
        session starts and echoes; /metrics counts every session; there is a
        handshake thread per I/O thread, at nice 10
    test_handshake.py stop
        the pipeline stops while 200 handshakes are under way, and again
        right after a burst of upgrades: it stops, and nothing crashes
    test_handshake.py thread-policy
        io-threads=2 with thread-policy unset, =batch and =normal: batch
        (the default) makes the I/O threads SCHED_BATCH and the handshake
        threads nice 10; normal leaves both as created (SCHED_OTHER, this
        process's nice value); a session starts and echoes with each
"""
import asyncio
import base64
import http.client
import json
import os
import re
import sys
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402
import websockets  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from checks import check, run_cases  # noqa: E402
from rawws import UPGRADE, ws_frame  # noqa: E402
from harness import thread_ids  # noqa: E402

Gst.init(None)


def start_pipeline(extra=""):
    p = Gst.parse_launch("sessionsrc name=src port=0 address=127.0.0.1 "
                         "rate=8000 %s ! sessionsink" % extra)
    p.set_state(Gst.State.PLAYING)
    return p, p.get_by_name("src").props.port


def twilio_start(sid):
    return json.dumps({"event": "start", "sequenceNumber": "1",
                       "streamSid": sid, "start": {
                           "streamSid": sid, "callSid": "CA" + sid,
                           "mediaFormat": {"encoding": "audio/x-mulaw",
                                           "sampleRate": 8000,
                                           "channels": 1}}})


def twilio_media(sid, payload):
    return json.dumps({"event": "media", "streamSid": sid, "media": {
        "track": "inbound", "payload": base64.b64encode(payload).decode()}})


async def live_session(port, sid, frames, result):
    """Streams @frames 20 ms frames (each tagged with its number) and
    collects the echoed µ-law until it has all of it."""
    # (Not 0x7f: µ-law's two zeros both come back as 0xff.)
    sent = b"".join(bytes([k % 120 + 1, k // 120 + 130]) * 80
                    for k in range(frames))
    got = bytearray()
    async with websockets.connect(
            "ws://127.0.0.1:%d/telephone/handler" % port) as ws:
        await ws.send(json.dumps({"event": "connected"}))
        await ws.send(twilio_start(sid))

        async def reader():
            while len(got) < len(sent):
                msg = json.loads(await ws.recv())
                if msg.get("event") == "media":
                    got.extend(base64.b64decode(msg["media"]["payload"]))

        task = asyncio.ensure_future(reader())
        for k in range(frames):
            await ws.send(twilio_media(sid, sent[k * 160:(k + 1) * 160]))
            await asyncio.sleep(0.02)
        try:
            await asyncio.wait_for(task, 20)
        except asyncio.TimeoutError:
            pass
        await ws.send(json.dumps({"event": "stop", "streamSid": sid}))
    result[sid] = (bytes(got) == sent, len(got), len(sent))


async def read_frame(reader):
    head = await reader.readexactly(2)
    n = head[1] & 0x7f
    if n == 126:
        n = int.from_bytes(await reader.readexactly(2), "big")
    elif n == 127:
        n = int.from_bytes(await reader.readexactly(8), "big")
    return head[0] & 0x0f, await reader.readexactly(n)


async def burst_session(port, sid, kind, result):
    """kind: "start" (upgrade, connected, start, one frame echoed),
    "upgrade" (upgrade only, then hang up), "half" (half a request, then
    hang up)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        if kind == "half":
            writer.write(UPGRADE[:30])
            await writer.drain()
            result[sid] = True
            return
        writer.write(UPGRADE)
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        ok = head.startswith(b"HTTP/1.1 101")
        if kind == "start" and ok:
            payload = bytes([0x42]) * 160
            writer.write(ws_frame(json.dumps({"event": "connected"})) +
                         ws_frame(twilio_start(sid)) +
                         ws_frame(twilio_media(sid, payload)))
            await writer.drain()
            echoed = b""
            while len(echoed) < len(payload):
                op, data = await asyncio.wait_for(read_frame(reader), 30)
                if op == 1:
                    msg = json.loads(data)
                    if msg.get("event") == "media":
                        echoed += base64.b64decode(msg["media"]["payload"])
            ok = echoed == payload
        result[sid] = ok
    except (asyncio.TimeoutError, asyncio.IncompleteReadError, OSError):
        result[sid] = False
    finally:
        writer.close()


def live_count(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/metrics")
    body = c.getresponse().read().decode()
    c.close()
    started = sum(float(v) for v in re.findall(
        r"^sessionctx_sessions_started_total\{[^}]*\} (\S+)", body, re.M))
    return started


def case_burst(n_io=1):
    p, port = start_pipeline("io-threads=%d" % n_io)
    accept = thread_ids("sessionaccept")
    check(len(accept) == n_io and
          len(thread_ids("sessionserver")) == n_io,
          "%d I/O threads, each with its handshake thread" % n_io)
    check(all(os.getpriority(os.PRIO_PROCESS, t) == 10 for t in accept),
          "handshake threads run at nice 10")
    check(all(os.sched_getscheduler(t) == os.SCHED_BATCH
              for t in thread_ids("sessionserver")),
          "I/O threads run as SCHED_BATCH")
    deadline = time.monotonic() + 5
    while not thread_ids("src:src") and time.monotonic() < deadline:
        time.sleep(0.05)        # its task may start a moment later
    streaming = thread_ids("src:src")
    check(streaming and all(os.sched_getscheduler(t) == os.SCHED_OTHER
                            for t in streaming),
          "the streaming thread keeps SCHED_OTHER (%d)" % len(streaming))

    async def run():
        live, burst = {}, {}
        kinds = ["start"] * 240 + ["upgrade"] * 40 + ["half"] * 20
        lives = [asyncio.ensure_future(live_session(port, "MZlive%d" % i,
                                                    150, live))
                 for i in range(4)]
        await asyncio.sleep(0.5)
        tasks = []
        for i, kind in enumerate(kinds):
            tasks.append(asyncio.ensure_future(
                burst_session(port, "MZburst%d" % i, kind, burst)))
            if i % 50 == 49:
                await asyncio.sleep(0.01)
        await asyncio.gather(*tasks)
        await asyncio.gather(*lives)
        return live, burst, kinds

    live, burst, kinds = asyncio.run(run())
    for sid, (same, got, sent) in sorted(live.items()):
        check(same, "%s streaming through the burst got back its %d bytes "
              "in order (got %d)" % (sid, sent, got))
    started_ok = sum(1 for i, k in enumerate(kinds)
                     if k == "start" and burst.get("MZburst%d" % i))
    check(started_ok == 240, "every burst session started and echoed "
          "(%d of 240)" % started_ok)
    upgraded = sum(1 for i, k in enumerate(kinds)
                   if k == "upgrade" and burst.get("MZburst%d" % i))
    check(upgraded == 40, "every upgrade-only client got its 101 (%d of 40)"
          % upgraded)
    check(live_count(port) == 244, "/metrics counts 244 sessions started "
          "(%d)" % live_count(port))
    p.set_state(Gst.State.NULL)


def case_stop():
    for delay in (0.0, 0.3):
        p, port = start_pipeline("io-threads=2")

        async def run():
            result = {}
            tasks = [asyncio.ensure_future(burst_session(
                port, "MZstop%d" % i, "start" if i % 2 else "upgrade",
                result)) for i in range(200)]
            await asyncio.sleep(delay)
            t0 = time.monotonic()
            await asyncio.get_running_loop().run_in_executor(
                None, p.set_state, Gst.State.NULL)
            stopped = time.monotonic() - t0
            await asyncio.gather(*tasks)
            return stopped

        stopped = asyncio.run(run())
        check(stopped < 15, "stopped %.1f s into a burst of handshakes "
              "(in %.2f s)" % (delay, stopped))


def case_thread_policy():
    created_nice = os.getpriority(os.PRIO_PROCESS, 0)
    check(os.sched_getscheduler(0) == os.SCHED_OTHER,
          "the test runs as SCHED_OTHER (what threads are created with)")
    for extra, batch in (("", True), ("thread-policy=batch", True),
                         ("thread-policy=normal", False)):
        what = extra or "the default"
        p, port = start_pipeline("io-threads=2 " + extra)
        check(p.get_by_name("src").get_property("thread-policy")
              .value_nick == ("batch" if batch else "normal"),
              "%s reads back" % what)
        io = thread_ids("sessionserver")
        accept = thread_ids("sessionaccept")
        check(len(io) == 2 and len(accept) == 2,
              "%s: 2 I/O threads, 2 handshake threads" % what)
        policy = os.SCHED_BATCH if batch else os.SCHED_OTHER
        check(all(os.sched_getscheduler(t) == policy for t in io),
              "%s: I/O threads run as %s" % (
                  what, "SCHED_BATCH" if batch else "SCHED_OTHER"))
        nice = 10 if batch else created_nice
        check(all(os.getpriority(os.PRIO_PROCESS, t) == nice
                  for t in accept),
              "%s: handshake threads at nice %d" % (what, nice))
        result = {}
        asyncio.run(burst_session(port, "MZpolicy", "start", result))
        check(result.get("MZpolicy"), "%s: a session starts and echoes"
              % what)
        p.set_state(Gst.State.NULL)
        check(not thread_ids("sessionserver") and
              not thread_ids("sessionaccept"),
              "%s: the threads are gone after stop" % what)


CASES = {"burst": case_burst,
         "burst-io2": lambda: case_burst(2),
         "stop": case_stop,
         "thread-policy": case_thread_policy}

if __name__ == "__main__":
    sys.exit(run_cases(CASES))
