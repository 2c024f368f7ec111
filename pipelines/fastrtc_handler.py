#!/usr/bin/env python3
"""FastRTC's handler shape on GStreamer: one Python handler call per chunk of
a session's audio, with that session's context, its return value sent back to
that session's client.

    source pipelines/env.sh
    /usr/bin/python3 pipelines/fastrtc_handler.py --port 8080

Write `handler(context, audio) -> audio` as you would for FastRTC (`audio` is
a numpy int16 array, mono, at --rate; return an array to send back, or None to
send nothing). sessionbin calls `create-handler` for every new session; this
script answers with a bin `appsink -> Python -> appsrc`, so each session has
its own instance of whatever state you keep in `Handler` and two callers are
never mixed. The context is the session's GstSessionContext: its id (the
client's websocket_id / webrtc_id / streamSid), transport, dialect, remote
address and metadata.
"""
import argparse
import signal
import sys

import numpy as np

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSessionCtx", "1.0")
from gi.repository import GLib, Gst, GstSessionCtx  # noqa: E402,F401  (context methods)


class Handler:
    """The per-session state and the per-chunk function (edit me)."""

    def __init__(self, context):
        self.context = context
        self.chunks = 0

    def __call__(self, context, audio):
        self.chunks += 1
        # Example: half the volume, so the client hears the server's work.
        return (audio // 2).astype(np.int16)


def make_bin(context, rate, quiet):
    """appsink (the session's audio) -> handler -> appsrc (back to it)."""
    handler = Handler(context)
    caps = "audio/x-raw,format=S16LE,layout=interleaved,channels=1,rate=%d" % rate
    bin_ = Gst.Bin.new(None)
    convert = Gst.ElementFactory.make("audioconvert")
    resample = Gst.ElementFactory.make("audioresample")
    capsfilter = Gst.ElementFactory.make("capsfilter")
    capsfilter.set_property("caps", Gst.Caps.from_string(caps))
    sink = Gst.ElementFactory.make("appsink")
    sink.set_property("emit-signals", True)
    sink.set_property("sync", False)
    src = Gst.ElementFactory.make("appsrc")
    src.set_property("caps", Gst.Caps.from_string(caps))
    src.set_property("format", Gst.Format.TIME)
    src.set_property("is-live", True)
    for e in (convert, resample, capsfilter, sink, src):
        bin_.add(e)
    convert.link(resample)
    resample.link(capsfilter)
    capsfilter.link(sink)
    bin_.add_pad(Gst.GhostPad.new("sink", convert.get_static_pad("sink")))
    bin_.add_pad(Gst.GhostPad.new("src", src.get_static_pad("src")))

    def on_sample(appsink):
        sample = appsink.emit("pull-sample")
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        if not ok:
            return Gst.FlowReturn.ERROR
        audio = np.frombuffer(info.data, dtype=np.int16).copy()
        buf.unmap(info)
        out = handler(context, audio)
        if out is not None and len(out):
            outbuf = Gst.Buffer.new_wrapped(np.ascontiguousarray(out, np.int16).tobytes())
            outbuf.pts = buf.pts
            outbuf.duration = Gst.util_uint64_scale_int(len(out), Gst.SECOND, rate)
            src.emit("push-buffer", outbuf)
        return Gst.FlowReturn.OK

    def on_eos(appsink):
        if not quiet:
            print("session %s: %d chunks handled" % (context.get_id().encode(
                "unicode_escape").decode(), handler.chunks), flush=True)
        src.emit("end-of-stream")

    sink.connect("new-sample", on_sample)
    sink.connect("eos", on_eos)
    return bin_


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--address", default="0.0.0.0")
    parser.add_argument("--rate", type=int, default=48000,
                        help="sample rate the handler works at")
    parser.add_argument("--seconds", type=float, default=0,
                        help="stop after this long (0: until Ctrl-C)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()

    Gst.init(None)
    pipeline = Gst.Pipeline.new("fastrtc-handler")
    server = Gst.ElementFactory.make("sessionbin")
    server.set_property("port", args.port)
    server.set_property("address", args.address)
    pipeline.add(server)
    server.connect("create-handler", lambda _bin, ctx: make_bin(ctx, args.rate, args.quiet))

    loop = GLib.MainLoop()

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            print("error: %s" % err.message, file=sys.stderr)
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()
        elif msg.type == Gst.MessageType.ELEMENT and not args.quiet:
            s = msg.get_structure()
            if s.get_name() in ("session-started", "session-ended"):
                print("%s %s" % (s.get_name(), s.get_string("session-id").encode(
                    "unicode_escape").decode()), flush=True)

    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)

    def stop(*_):
        pipeline.send_event(Gst.Event.new_eos())
        return GLib.SOURCE_REMOVE

    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, stop)
    if args.seconds:
        GLib.timeout_add(int(args.seconds * 1000), stop)
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        print("could not start (port %d in use?)" % args.port, file=sys.stderr)
        return 1
    print("FastRTC-style handler on port %d" % server.get_property("port"), flush=True)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
