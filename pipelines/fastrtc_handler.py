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
import sys

import numpy as np

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSessionCtx", "1.0")
from gi.repository import Gst, GstSessionCtx  # noqa: E402,F401  (context methods)

import sessionapp  # noqa: E402


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
            print("session %s: %d chunks handled" % (sessionapp.escaped(context.get_id()),
                                                     handler.chunks), flush=True)
        src.emit("end-of-stream")

    sink.connect("new-sample", on_sample)
    sink.connect("eos", on_eos)
    return bin_


def main():
    args = sessionapp.parse_args(__doc__, options=lambda p: p.add_argument(
        "--rate", type=int, default=48000, help="sample rate the handler works at"))
    pipeline, server = sessionapp.make_server("fastrtc-handler", args)
    server.connect("create-handler", lambda _bin, ctx: make_bin(ctx, args.rate, args.quiet))
    return sessionapp.run(pipeline, server, args, "FastRTC-style handler on port %d")


if __name__ == "__main__":
    sys.exit(main())
