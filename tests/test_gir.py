#!/usr/bin/env python3
"""The context API from Python through GObject introspection (PyGObject):
the same calls a C application makes, on synthetic buffers and on a live
sessionsrc fed by a real WebSocket client."""
import asyncio
import base64
import json
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSessionCtx", "1.0")
from gi.repository import Gst, GstSessionCtx  # noqa: E402

import websockets  # noqa: E402

Gst.init(None)
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def test_api():
    meta = Gst.Structure.new_from_string("metadata, callSid=(string)CA1")
    ctx = GstSessionCtx.SessionContext.new(
        "py-id", GstSessionCtx.SessionTransport.WEBSOCKET,
        GstSessionCtx.SessionDialect.TWILIO, "127.0.0.1:9", meta)
    check(ctx.get_id() == "py-id" and ctx.props.id == "py-id", "context id")
    check(ctx.get_transport() == GstSessionCtx.SessionTransport.WEBSOCKET, "transport")
    check(ctx.get_dialect() == GstSessionCtx.SessionDialect.TWILIO, "dialect")
    check(ctx.get_metadata().get_string("callSid") == "CA1", "metadata")

    buf = Gst.Buffer.new_allocate(None, 320, None)
    check(GstSessionCtx.SessionContext.get_current(None, buf) is None, "no context -> None")
    GstSessionCtx.buffer_add_session_meta(buf, ctx)
    cur = GstSessionCtx.SessionContext.get_current(None, buf)
    check(cur is not None and cur.get_id() == "py-id", "get_current from meta")

    ev = GstSessionCtx.event_new_session_context(ctx)
    ok, parsed = GstSessionCtx.event_parse_session_context(ev)
    check(ok and parsed.get_id() == "py-id", "sticky event round trip")
    check(GstSessionCtx.session_end_reason_to_string(
        GstSessionCtx.SessionEndReason.IDLE) == "idle", "reason names")


def test_live():
    pipeline = Gst.parse_launch(
        "sessionsrc name=src port=0 address=127.0.0.1 ! fakesink name=sink sync=false")
    seen = []

    def probe(pad, info):
        # What sessionsrc has ready comes as one buffer list, taken whole
        # by the sink.
        if info.type & Gst.PadProbeType.BUFFER_LIST:
            lst = info.get_buffer_list()
            buffers = [lst.get(i) for i in range(lst.length())]
        else:
            buffers = [info.get_buffer()]
        for buf in buffers:
            ctx = GstSessionCtx.SessionContext.get_current(pad, buf)
            seen.append(ctx.get_id() if ctx else None)
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("sink").get_static_pad("sink").add_probe(
        Gst.PadProbeType.BUFFER | Gst.PadProbeType.BUFFER_LIST, probe)
    pipeline.set_state(Gst.State.PLAYING)
    port = pipeline.get_by_name("src").props.port

    async def client():
        async with websockets.connect("ws://127.0.0.1:%d/websocket/offer" % port) as ws:
            await ws.send(json.dumps({"event": "start", "websocket_id": "from-python"}))
            payload = base64.b64encode(bytes([0xFF] * 960)).decode()
            for _ in range(5):
                await ws.send(json.dumps({"event": "media", "media": {"payload": payload}}))
            await ws.send(json.dumps({"event": "stop"}))
            await ws.wait_closed()

    asyncio.run(client())
    bus = pipeline.get_bus()
    ended = None
    while ended is None:
        msg = bus.timed_pop_filtered(5 * Gst.SECOND, Gst.MessageType.ELEMENT)
        if msg is None:
            break
        if msg.get_structure().get_name() == "session-ended":
            ended = msg
    check(ended is not None, "session-ended on the bus")
    if ended:
        ok, ctx, reason, stats = GstSessionCtx.message_parse_session_ended(ended)
        check(ok and ctx.get_id() == "from-python", "session-ended context")
        check(reason == GstSessionCtx.SessionEndReason.STOP, "reason stop")
        check(stats.frames == 5 and stats.bytes == 4800, "stats %d/%d" % (stats.frames, stats.bytes))
    # The bus message is asynchronous to the stream: the last buffers may
    # still be on their way to the sink (the session-end event is in order).
    deadline = time.time() + 5
    while len(seen) < 5 and time.time() < deadline:
        time.sleep(0.01)
    pipeline.set_state(Gst.State.NULL)
    check(len(seen) == 5 and all(s == "from-python" for s in seen),
          "every buffer's context from Python: %s" % seen)


test_api()
test_live()
sys.exit(1 if failures else 0)
