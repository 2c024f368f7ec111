#!/usr/bin/env python3
"""The `stats` property and GET /metrics with real WebSocket clients
(`websockets`) against an in-process echo pipeline (sessionsrc ! sessionsink,
then sessionbin), /metrics parsed by the Prometheus project's own parser
(python3-prometheus-client). Exact counter values for a known exchange:
N media frames of B bytes in -> frames_received_total N, bytes B*N; the
sessions gauge back to 0 after stop; ends by reason; a protocol error by
code; the handshake histogram counts every upgrade; the video series exist
(0 without WebRTC video); metrics=false -> 404."""
import asyncio
import base64
import json
import os
import sys
import time
import urllib.error
import urllib.request

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402
import websockets  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from servers import free_port, wait_listening  # noqa: E402

FRAMES = 25
BLOCK = 960  # µ-law bytes per media message: 20 ms at 48 kHz
# A client id no label may carry: quotes, a backslash, spaces, an equals sign.
EVIL_ID = 'py "quoted" \\ id=x, {y}'
failures = 0


def check(ok, what):
    global failures
    print("%s: %s" % ("ok" if ok else "FAIL", what))
    failures += not ok


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        return r.headers.get("Content-Type"), r.read().decode()


def samples(text):
    """{(sample name, frozenset(labels)): value} and the families by name."""
    out, families = {}, {}
    for family in text_string_to_metric_families(text):
        families[family.name] = family
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out, families


def value(text, name, **labels):
    return samples(text)[0].get((name, frozenset(labels.items())))


def wait_for(pred, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def sessions_of(stats):
    """The session structures of a `stats` value, by their id."""
    n = stats.get_value("sessions")
    out = {}
    for i in range(n):
        s = stats.get_value("session-%d" % i).copy()  # outlives @stats
        out[s.get_value("id")] = s
    return out


def media(payload=b"\xff" * BLOCK):
    return json.dumps({"event": "media",
                       "media": {"payload": base64.b64encode(payload).decode()}})


async def exchange(port, element):
    base = "ws://127.0.0.1:%d" % port
    async with websockets.connect(base + "/websocket/offer") as a, \
            websockets.connect(base + "/telephone/handler") as tw:
        await a.send(json.dumps({"event": "start", "websocket_id": EVIL_ID}))
        await tw.send(json.dumps({
            "event": "start", "streamSid": "MZmetrics",
            "start": {"streamSid": "MZmetrics", "callSid": "CA1",
                      "mediaFormat": {"encoding": "audio/x-mulaw",
                                      "sampleRate": 8000, "channels": 1}}}))
        for _ in range(FRAMES):
            await a.send(media())
            await asyncio.sleep(0.02)
        await a.send("this is not json")

        async def drain(ws):
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), 0.3)
            except (asyncio.TimeoutError, websockets.ConnectionClosed):
                pass
        await drain(a)

        live = sessions_of(element.get_property("stats"))
        check(set(live) == {EVIL_ID, "MZmetrics"}, "stats: both sessions by id (%s)"
              % sorted(live))
        one = live.get(EVIL_ID)
        if one:
            check(one.get_value("transport") == "websocket"
                  and one.get_value("dialect") == "fastrtc", "stats: transport, dialect")
            check(one.get_value("frames-received") == FRAMES,
                  "stats: frames-received %d" % one.get_value("frames-received"))
            check(one.get_value("bytes-received") == FRAMES * BLOCK,
                  "stats: bytes-received %d" % one.get_value("bytes-received"))
            check(one.get_value("frames-sent") > 0,
                  "stats: frames-sent %d (the echo)" % one.get_value("frames-sent"))
            check(one.get_value("remote-address").startswith("127.0.0.1"),
                  "stats: remote-address %s" % one.get_value("remote-address"))
            check(abs(one.get_value("start-time") / 1e6 - time.time()) < 30,
                  "stats: start-time is wall clock")
            check(one.get_value("last-media-age") < 5 * Gst.SECOND,
                  "stats: last-media-age %d ns" % one.get_value("last-media-age"))
            check(one.get_value("send-queue-bytes") >= 0
                  and one.get_value("frames-dropped") == 0, "stats: queue, dropped")
            check(not one.has_field("video-frames-received")
                  and not one.has_field("video-bitrate-sent"),
                  "stats: no video fields for a WebSocket session")
        tw_live = live.get("MZmetrics")
        if tw_live:
            check(tw_live.get_value("dialect") == "twilio"
                  and tw_live.get_value("frames-received") == 0, "stats: the Twilio session")

        ctype, text = scrape(port)
        check(ctype == "text/plain; version=0.0.4", "Content-Type %s" % ctype)
        check("quoted" not in text and "MZmetrics" not in text,
              "no client id in /metrics")
        check(value(text, "sessionctx_sessions", transport="websocket",
                    dialect="fastrtc") == 1, "gauge websocket/fastrtc 1")
        check(value(text, "sessionctx_sessions", transport="websocket",
                    dialect="twilio") == 1, "gauge websocket/twilio 1")
        check(value(text, "sessionctx_frames_received_total") == FRAMES,
              "frames_received_total %s" % value(text, "sessionctx_frames_received_total"))
        check(value(text, "sessionctx_bytes_received_total") == FRAMES * BLOCK,
              "bytes_received_total")
        check(value(text, "sessionctx_protocol_errors_total", code="invalid_json") == 1,
              "protocol_errors_total{code=invalid_json} 1")
        video = {(n, labels): v for (n, labels), v in samples(text)[0].items()
                 if n.startswith("sessionctx_video_")}
        check(len(video) == 8 and all(v == 0 for v in video.values()),
              "video series all 0 with WebSocket sessions (%s)" % video)

        await tw.send(json.dumps({"event": "stop", "streamSid": "MZmetrics"}))
        await a.send(json.dumps({"event": "stop"}))
        await drain(a)
        await drain(tw)


def serve(description):
    port = free_port()
    pipe = Gst.parse_launch(description % port)
    if not isinstance(pipe, Gst.Pipeline):  # one element: parse_launch gives it alone
        element, pipe = pipe, Gst.Pipeline()
        pipe.add(element)
    pipe.set_state(Gst.State.PLAYING)
    if not wait_listening(port):
        raise SystemExit("no server on %d" % port)
    return pipe, port


def main():
    Gst.init(None)
    pipe, port = serve("sessionsrc name=src port=%d address=127.0.0.1 ! sessionsink")
    src = pipe.get_by_name("src")
    try:
        _, text = scrape(port)
        s, families = samples(text)
        check(all(v == 0 for (n, _), v in s.items() if n.startswith("sessionctx_sessions")),
              "before any session: gauges and counters 0")
        for name, kind in (("sessionctx_sessions", "gauge"),
                           ("sessionctx_sessions_started", "counter"),
                           ("sessionctx_sessions_ended", "counter"),
                           ("sessionctx_frames_received", "counter"),
                           ("sessionctx_frames_sent", "counter"),
                           ("sessionctx_bytes_received", "counter"),
                           ("sessionctx_bytes_sent", "counter"),
                           ("sessionctx_frames_dropped", "counter"),
                           ("sessionctx_protocol_errors", "counter"),
                           ("sessionctx_video_frames_received", "counter"),
                           ("sessionctx_video_frames_sent", "counter"),
                           ("sessionctx_video_frames_dropped", "counter"),
                           ("sessionctx_video_keyframe_requests_received", "counter"),
                           ("sessionctx_video_keyframe_requests_sent", "counter"),
                           ("sessionctx_video_rtp_bytes_received", "counter"),
                           ("sessionctx_video_rtp_bytes_sent", "counter"),
                           ("sessionctx_websocket_handshake_seconds", "histogram"),
                           ("sessionctx_webrtc_setup_seconds", "histogram")):
            f = families.get(name)
            check(f is not None and f.type == kind and f.documentation,
                  "%s is a documented %s" % (name, kind))
        check(src.get_property("stats").get_value("sessions") == 0, "stats: no session yet")
        dropped = families.get("sessionctx_video_frames_dropped")
        check(dropped is not None and sorted(
            sm.labels.get("reason") for sm in dropped.samples) == ["framerate", "send_queue"],
              "video_frames_dropped_total by reason: framerate, send_queue")

        asyncio.run(exchange(port, src))

        def gauges_zero():
            text = scrape(port)[1]
            return all(value(text, "sessionctx_sessions", transport="websocket",
                             dialect=d) == 0 for d in ("fastrtc", "twilio"))
        check(wait_for(gauges_zero), "gauges back to 0 after stop")
        _, text = scrape(port)
        check(value(text, "sessionctx_sessions_started_total", transport="websocket",
                    dialect="fastrtc") == 1
              and value(text, "sessionctx_sessions_started_total", transport="websocket",
                        dialect="twilio") == 1, "started_total 1 each")
        check(value(text, "sessionctx_sessions_ended_total", reason="stop") == 2,
              "ended_total{reason=stop} 2")
        check(value(text, "sessionctx_sessions_ended_total", reason="disconnect") == 0,
              "ended_total{reason=disconnect} 0")
        check(value(text, "sessionctx_websocket_handshake_seconds_count") == 2,
              "handshake histogram count 2")
        check(value(text, "sessionctx_websocket_handshake_seconds_bucket", le="+Inf") == 2,
              "handshake +Inf bucket 2")
        check(value(text, "sessionctx_webrtc_setup_seconds_count") == 0,
              "webrtc setup histogram count 0")
        sent = value(text, "sessionctx_frames_sent_total")
        stats = src.get_property("stats")
        check(sent > 0 and stats.get_value("frames-sent") == sent,
              "frames_sent_total %s = stats frames-sent" % sent)
        check(stats.get_value("frames-received") == FRAMES
              and stats.get_value("sessions-started") == 2
              and stats.get_value("sessions-ended") == 2
              and stats.get_value("protocol-errors") == 1
              and stats.get_value("sessions") == 0, "stats totals: %s" % stats.to_string())
        check(all(stats.get_value(f) == 0 for f in (
            "video-frames-received", "video-frames-sent", "video-frames-dropped-framerate",
            "video-frames-dropped-queue", "video-keyframe-requests-received",
            "video-keyframe-requests-sent", "video-bytes-received", "video-bytes-sent")),
              "stats totals: the video counters, 0")
    finally:
        pipe.set_state(Gst.State.NULL)

    # metrics=false: no /metrics.
    pipe, port = serve("sessionsrc port=%d address=127.0.0.1 metrics=false ! sessionsink")
    try:
        try:
            scrape(port)
            check(False, "metrics=false answers 404")
        except urllib.error.HTTPError as e:
            check(e.code == 404, "metrics=false answers %d" % e.code)
    finally:
        pipe.set_state(Gst.State.NULL)

    # sessionbin: the same properties, stats forwarded to its sessionsrc.
    pipe, port = serve("sessionbin name=bin port=%d address=127.0.0.1 "
                       "handler=\"audioconvert\"")
    binel = pipe.get_by_name("bin")
    try:
        check(binel.find_property("stats") is not None
              and binel.find_property("metrics") is not None, "sessionbin has stats, metrics")

        async def one_session():
            async with websockets.connect("ws://127.0.0.1:%d/websocket/offer" % port) as ws:
                await ws.send(json.dumps({"event": "start", "websocket_id": "bin-one"}))
                for _ in range(5):
                    await ws.send(media())
                check(wait_for(lambda: sessions_of(binel.get_property("stats")).get(
                    "bin-one") is not None and sessions_of(binel.get_property("stats"))[
                        "bin-one"].get_value("frames-received") == 5),
                      "sessionbin stats: bin-one with 5 frames")
                await ws.send(json.dumps({"event": "stop"}))
        asyncio.run(one_session())
        check(value(scrape(port)[1], "sessionctx_frames_received_total") == 5,
              "sessionbin /metrics: 5 frames")
    finally:
        pipe.set_state(Gst.State.NULL)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
