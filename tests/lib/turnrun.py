"""Runs `turndetect` over a signal, as fast as it goes (appsrc, 20 ms
buffers stamped by sample count, appsink without sync), and returns what it
decided: the bus messages, the events and buffers it pushed."""
import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSessionCtx", "1.0")
from gi.repository import Gst, GstSessionCtx  # noqa: E402

import numpy as np  # noqa: E402

Gst.init(None)


class Run:
    def __init__(self):
        self.started = []   # turn-started: (turn, start s)
        self.ended = []     # turn-ended: (turn, start s, end s, reason)
        self.decided = {}   # turn: end of the input buffer it ended in (s)
        self.events = []    # ("turn-start" | "turn-end", turn, start s, end s | None)
        self.buffers = []   # (pts s, samples int16 array), in order
        self.turns_out = []  # per turn pushed: [first pts s, samples]
        self.errors = []


def run(pcm, rate, frame_ms=20, **props):
    """@pcm (int16) at @rate through `turndetect` with @props (underscores
    for dashes); the Run."""
    desc = ("appsrc name=src format=time is-live=false caps=audio/x-raw,format=S16LE,"
            "channels=1,rate=%d,layout=interleaved ! turndetect name=td ! "
            "fakesink name=sink sync=false" % rate)
    pipeline = Gst.parse_launch(desc)
    td = pipeline.get_by_name("td")
    for name, value in props.items():
        if name == "mode":
            Gst.util_set_object_arg(td, "mode", value)
        else:
            td.set_property(name.replace("_", "-"), value)
    out = Run()
    current = []

    def probe(_pad, info):
        if info.type & Gst.PadProbeType.BUFFER:
            buf = info.get_buffer()
            ok, m = buf.map(Gst.MapFlags.READ)
            samples = np.frombuffer(bytes(m.data), dtype=np.int16).copy()
            buf.unmap(m)
            out.buffers.append((buf.pts / Gst.SECOND, samples))
            if current:
                if current[-1][0] is None:
                    current[-1][0] = buf.pts / Gst.SECOND
                current[-1][1].append(samples)
        elif info.type & Gst.PadProbeType.EVENT_DOWNSTREAM:
            ev = info.get_event()
            ok, _ctx, turn, start = GstSessionCtx.event_parse_turn_start(ev)
            if ok:
                out.events.append(("turn-start", turn, start / Gst.SECOND, None))
                current.append([None, []])
            ok, _ctx, turn, start, end, _reason = GstSessionCtx.event_parse_turn_end(ev)
            if ok:
                out.events.append(("turn-end", turn, start / Gst.SECOND, end / Gst.SECOND))
        return Gst.PadProbeReturn.OK

    sinkpad = pipeline.get_by_name("sink").get_static_pad("sink")
    sinkpad.add_probe(Gst.PadProbeType.BUFFER | Gst.PadProbeType.EVENT_DOWNSTREAM, probe)

    # When a turn ends: how far the input had come (turn-ended is posted
    # from the streaming thread, while it handles that buffer).
    seen = {"end": 0.0}

    def input_probe(_pad, info):
        buf = info.get_buffer()
        seen["end"] = (buf.pts + buf.duration) / Gst.SECOND
        return Gst.PadProbeReturn.OK
    td.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, input_probe)

    def on_sync(_bus, msg):
        ok, _ctx, turn, _start, _end, _reason = GstSessionCtx.message_parse_turn_ended(msg)
        if ok:
            out.decided[turn] = seen["end"]
    bus = pipeline.get_bus()
    bus.enable_sync_message_emission()
    bus.connect("sync-message::element", on_sync)

    src = pipeline.get_by_name("src")
    pipeline.set_state(Gst.State.PLAYING)
    step = rate * frame_ms // 1000
    for i in range(0, len(pcm), step):
        chunk = pcm[i:i + step]
        buf = Gst.Buffer.new_wrapped(chunk.tobytes())
        buf.pts = i * Gst.SECOND // rate
        buf.duration = len(chunk) * Gst.SECOND // rate
        src.emit("push-buffer", buf)
    src.emit("end-of-stream")
    while True:
        msg = bus.timed_pop_filtered(30 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR
                                     | Gst.MessageType.ELEMENT)
        if msg is None:
            out.errors.append("no EOS within 30 s")
            break
        if msg.type == Gst.MessageType.ERROR:
            out.errors.append(msg.parse_error()[0].message)
            break
        if msg.type == Gst.MessageType.EOS:
            break
        ok, _ctx, turn, start = GstSessionCtx.message_parse_turn_started(msg)
        if ok:
            out.started.append((turn, start / Gst.SECOND))
        ok, _ctx, turn, start, end, reason = GstSessionCtx.message_parse_turn_ended(msg)
        if ok:
            out.ended.append((turn, start / Gst.SECOND, end / Gst.SECOND, reason))
    pipeline.set_state(Gst.State.NULL)
    bus.disable_sync_message_emission()
    out.turns_out = [(pts, np.concatenate(parts) if parts else np.zeros(0, np.int16))
                     for pts, parts in current]
    return out
