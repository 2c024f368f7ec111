#!/usr/bin/env python3
"""FastRTC's video handler shape on GStreamer: one Python call per video
frame of a WebRTC session, with that session's context; the frame it
returns goes back to that session's client.

    source pipelines/env.sh
    /usr/bin/python3 pipelines/fastrtc_video_handler.py --port 8080
    # then open http://127.0.0.1:8080/ and choose video (or audio and video)

Write `handler(context, frame) -> frame` as you would for FastRTC's
`Stream(modality="video")`: `frame` is a numpy uint8 array, height x width x
3 (RGB); return an array of the same shape to send back, or None to send
nothing for that frame. This one writes the caller's session id in a
box at the top left of their own picture, so each caller sees that the
server knows whose camera it is. sessionbin calls `create-handler` for every
new session; this script answers with a bin `appsink -> Python -> appsrc` for
video and a plain echo for audio, so each session has its own `Handler` and
two callers are never mixed. The id is untrusted: only [A-Za-z0-9-_.:] are
drawn, anything else as '?', and it is never printed unescaped.
"""
import argparse
import signal
import sys

import numpy as np

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSessionCtx", "1.0")
from gi.repository import GLib, Gst, GstSessionCtx  # noqa: E402,F401  (context methods)

# A 5x7 bitmap font: five columns per glyph, bit 0 the top row.
FONT = {
    "0": (0x3E, 0x51, 0x49, 0x45, 0x3E), "1": (0x00, 0x42, 0x7F, 0x40, 0x00),
    "2": (0x42, 0x61, 0x51, 0x49, 0x46), "3": (0x21, 0x41, 0x45, 0x4B, 0x31),
    "4": (0x18, 0x14, 0x12, 0x7F, 0x10), "5": (0x27, 0x45, 0x45, 0x45, 0x39),
    "6": (0x3C, 0x4A, 0x49, 0x49, 0x30), "7": (0x01, 0x71, 0x09, 0x05, 0x03),
    "8": (0x36, 0x49, 0x49, 0x49, 0x36), "9": (0x06, 0x49, 0x49, 0x29, 0x1E),
    "A": (0x7E, 0x11, 0x11, 0x11, 0x7E), "B": (0x7F, 0x49, 0x49, 0x49, 0x36),
    "C": (0x3E, 0x41, 0x41, 0x41, 0x22), "D": (0x7F, 0x41, 0x41, 0x22, 0x1C),
    "E": (0x7F, 0x49, 0x49, 0x49, 0x41), "F": (0x7F, 0x09, 0x09, 0x09, 0x01),
    "G": (0x3E, 0x41, 0x49, 0x49, 0x7A), "H": (0x7F, 0x08, 0x08, 0x08, 0x7F),
    "I": (0x00, 0x41, 0x7F, 0x41, 0x00), "J": (0x20, 0x40, 0x41, 0x3F, 0x01),
    "K": (0x7F, 0x08, 0x14, 0x22, 0x41), "L": (0x7F, 0x40, 0x40, 0x40, 0x40),
    "M": (0x7F, 0x02, 0x0C, 0x02, 0x7F), "N": (0x7F, 0x04, 0x08, 0x10, 0x7F),
    "O": (0x3E, 0x41, 0x41, 0x41, 0x3E), "P": (0x7F, 0x09, 0x09, 0x09, 0x06),
    "Q": (0x3E, 0x41, 0x51, 0x21, 0x5E), "R": (0x7F, 0x09, 0x19, 0x29, 0x46),
    "S": (0x46, 0x49, 0x49, 0x49, 0x31), "T": (0x01, 0x01, 0x7F, 0x01, 0x01),
    "U": (0x3F, 0x40, 0x40, 0x40, 0x3F), "V": (0x1F, 0x20, 0x40, 0x20, 0x1F),
    "W": (0x3F, 0x40, 0x38, 0x40, 0x3F), "X": (0x63, 0x14, 0x08, 0x14, 0x63),
    "Y": (0x07, 0x08, 0x70, 0x08, 0x07), "Z": (0x61, 0x51, 0x49, 0x45, 0x43),
    "-": (0x08, 0x08, 0x08, 0x08, 0x08), "_": (0x40, 0x40, 0x40, 0x40, 0x40),
    ".": (0x00, 0x60, 0x60, 0x00, 0x00), ":": (0x00, 0x36, 0x36, 0x00, 0x00),
    "?": (0x02, 0x01, 0x51, 0x09, 0x06), " ": (0x00, 0x00, 0x00, 0x00, 0x00),
}
LABEL_SCALE = 3     # pixels per font dot
LABEL_MARGIN = 4    # box border, pixels
LABEL_CHARS = 24    # at most this many characters of the id are drawn


def label_mask(text, scale=LABEL_SCALE):
    """A boolean image of @text in FONT (lower case drawn as upper case,
    unknown characters as '?'), each dot @scale pixels, one dot column
    between glyphs."""
    text = text[:LABEL_CHARS].upper()
    dots = np.zeros((7, max(len(text), 1) * 6), dtype=bool)
    for i, ch in enumerate(text):
        for col, bits in enumerate(FONT.get(ch, FONT["?"])):
            for row in range(7):
                dots[row, i * 6 + col] = bool(bits >> row & 1)
    return np.kron(dots, np.ones((scale, scale), dtype=bool))


def draw_label(frame, mask, margin=LABEL_MARGIN):
    """@frame with a black box at its top left and @mask drawn in white in
    it (clipped to the frame); @frame is changed in place and returned."""
    h = min(mask.shape[0] + 2 * margin, frame.shape[0])
    w = min(mask.shape[1] + 2 * margin, frame.shape[1])
    frame[:h, :w] = 0
    inner = mask[:max(h - margin, 0) - margin, :max(w - margin, 0) - margin]
    region = frame[margin:margin + inner.shape[0], margin:margin + inner.shape[1]]
    region[inner] = 255
    return frame


class Handler:
    """The per-session state and the per-frame function (edit me)."""

    def __init__(self, context):
        self.context = context
        self.frames = 0
        self.mask = label_mask(context.get_id())

    def __call__(self, context, frame):
        self.frames += 1
        return draw_label(frame, self.mask)


def make_bin(context, quiet):
    """Video: appsink (the session's frames, RGB) -> handler -> appsrc (back
    to the client); audio: echoed as it came."""
    handler = Handler(context)
    bin_ = Gst.Bin.new(None)
    convert = Gst.ElementFactory.make("videoconvert")
    capsfilter = Gst.ElementFactory.make("capsfilter")
    capsfilter.set_property("caps", Gst.Caps.from_string("video/x-raw,format=RGB"))
    sink = Gst.ElementFactory.make("appsink")
    sink.set_property("emit-signals", True)
    sink.set_property("sync", False)
    sink.set_property("max-buffers", 2)
    sink.set_property("drop", True)
    src = Gst.ElementFactory.make("appsrc")
    src.set_property("format", Gst.Format.TIME)
    src.set_property("is-live", True)
    audio = Gst.ElementFactory.make("audioconvert")
    for e in (convert, capsfilter, sink, src, audio):
        bin_.add(e)
    convert.link(capsfilter)
    capsfilter.link(sink)
    bin_.add_pad(Gst.GhostPad.new("video_sink", convert.get_static_pad("sink")))
    # appsrc's pad answers caps queries with ANY until it runs: the ghost
    # pad's template names the kind sessionbin matches pads by.
    video_src = Gst.PadTemplate.new("video_src", Gst.PadDirection.SRC, Gst.PadPresence.ALWAYS,
                                    Gst.Caps.from_string("video/x-raw"))
    bin_.add_pad(Gst.GhostPad.new_from_template("video_src", src.get_static_pad("src"),
                                                video_src))
    bin_.add_pad(Gst.GhostPad.new("audio_sink", audio.get_static_pad("sink")))
    bin_.add_pad(Gst.GhostPad.new("audio_src", audio.get_static_pad("src")))

    size = [None]

    def on_sample(appsink):
        sample = appsink.emit("pull-sample")
        buf = sample.get_buffer()
        s = sample.get_caps().get_structure(0)
        width, height = s.get_value("width"), s.get_value("height")
        ok, info = buf.map(Gst.MapFlags.READ)
        if not ok:
            return Gst.FlowReturn.ERROR
        stride = len(info.data) // height
        frame = np.frombuffer(info.data, dtype=np.uint8).reshape(
            height, stride)[:, :width * 3].reshape(height, width, 3).copy()
        buf.unmap(info)
        out = handler(context, frame)
        if out is not None:
            if size[0] != out.shape[:2]:
                size[0] = out.shape[:2]
                src.set_property("caps", Gst.Caps.from_string(
                    "video/x-raw,format=RGB,width=%d,height=%d,framerate=0/1"
                    % (out.shape[1], out.shape[0])))
            outbuf = Gst.Buffer.new_wrapped(np.ascontiguousarray(out, np.uint8).tobytes())
            outbuf.pts = buf.pts
            outbuf.duration = buf.duration
            src.emit("push-buffer", outbuf)
        return Gst.FlowReturn.OK

    def on_eos(appsink):
        if not quiet:
            print("session %s: %d frames handled" % (context.get_id().encode(
                "unicode_escape").decode(), handler.frames), flush=True)
        src.emit("end-of-stream")

    sink.connect("new-sample", on_sample)
    sink.connect("eos", on_eos)
    return bin_


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--address", default="0.0.0.0")
    parser.add_argument("--ice-addresses", default=None,
                        help="the addresses WebRTC peers are offered (sessionbin ice-addresses)")
    parser.add_argument("--seconds", type=float, default=0,
                        help="stop after this long (0: until Ctrl-C)")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()

    Gst.init(None)
    pipeline = Gst.Pipeline.new("fastrtc-video-handler")
    server = Gst.ElementFactory.make("sessionbin")
    server.set_property("port", args.port)
    server.set_property("address", args.address)
    if args.ice_addresses:
        server.set_property("ice-addresses", args.ice_addresses)
    pipeline.add(server)
    server.connect("create-handler", lambda _bin, ctx: make_bin(ctx, args.quiet))

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
    print("FastRTC-style video handler on port %d" % server.get_property("port"), flush=True)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
