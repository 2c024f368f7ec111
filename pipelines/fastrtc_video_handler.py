#!/usr/bin/env python3
"""FastRTC's video handler shape on GStreamer: one Python call per video
frame of a WebRTC session, with that session's context; the frame it
returns goes back to that session's client.

    source pipelines/env.sh
    /usr/bin/python3 pipelines/fastrtc_video_handler.py --port 8080
    # then open http://127.0.0.1:8080/ and choose video (or audio and video)

Write `handler(context, frame) -> frame` as you would for FastRTC's
`Stream(modality="video")`: `frame` is a numpy uint8 array, height x width x
3 (RGB, rows packed whatever the stride of the buffer it came in); return an
array height x width x 3 of any size (values clipped to 0-255) to send
back, or None to send nothing for that frame. This one writes the caller's
session id in a box at the top left of their own picture, so each caller
sees that the server knows whose camera it is. sessionbin calls
`create-handler` for every new session; this script answers with a bin
`queue (leaky) -> videoconvert -> appsink -> Python -> appsrc` for video and
a plain echo for audio, so each session has its own `Handler` and two
callers are never mixed. The handler runs on the queue's thread: a slow
handler drops the oldest frames, it never holds the session's media up.

An exception in the handler (or a frame of the wrong shape) ends that
session only, loudly: its traceback on stderr, and sessionbin's warning
"Session <id>: handler failed" (the client gets `handler_failed`); the
other sessions go on. The id is untrusted: only [A-Za-z0-9-_.:] are drawn
(lower case as upper case), anything else as '?', and it is never printed
unescaped.
"""
import sys
import traceback

import numpy as np

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstVideo", "1.0")
gi.require_version("GstSessionCtx", "1.0")
from gi.repository import GLib, Gst, GstSessionCtx, GstVideo  # noqa: E402,F401  (context methods)

import sessionapp  # noqa: E402
from sessionapp import escaped  # noqa: E402

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
LABEL_ALLOWED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


def label_text(session_id):
    """What is drawn of @session_id: its first LABEL_CHARS characters, upper
    case, each outside [A-Z0-9-_.:] as '?'."""
    return "".join(ch if ch in LABEL_ALLOWED else "?"
                   for ch in session_id[:LABEL_CHARS].upper())


def label_mask(text, scale=LABEL_SCALE):
    """A boolean image of label_text(@text) in FONT, each dot @scale
    pixels, one dot column between glyphs."""
    text = label_text(text)
    dots = np.zeros((7, max(len(text), 1) * 6), dtype=bool)
    for i, ch in enumerate(text):
        for col, bits in enumerate(FONT[ch]):
            for row in range(7):
                dots[row, i * 6 + col] = bool(bits >> row & 1)
    return np.kron(dots, np.ones((scale, scale), dtype=bool))


def draw_label(frame, mask, margin=LABEL_MARGIN):
    """@frame with a black box at its top left and @mask drawn in white in
    it (clipped to the frame); @frame is changed in place and returned."""
    frame[:mask.shape[0] + 2 * margin, :mask.shape[1] + 2 * margin] = 0
    rows = max(min(mask.shape[0], frame.shape[0] - margin), 0)
    cols = max(min(mask.shape[1], frame.shape[1] - margin), 0)
    frame[margin:margin + rows, margin:margin + cols][mask[:rows, :cols]] = 255
    return frame


class Handler:
    """The per-session state and the per-frame function (edit me)."""

    def __init__(self, context):
        self.context = context
        self.mask = label_mask(context.get_id())

    def __call__(self, context, frame):
        return draw_label(frame, self.mask)


# ---------------------------------------------------------------------------
# Frames in and out of GStreamer buffers


def frame_from_buffer(buf, info):
    """The RGB picture in @buf (described by @info, a GstVideo.VideoInfo)
    as a new height x width x 3 uint8 array, rows packed: the buffer's
    rows may be padded (RGB rows are 4-byte aligned) and start at an
    offset."""
    width, height = info.width, info.height
    stride, offset = info.stride[0], info.offset[0]
    ok, mapped = buf.map(Gst.MapFlags.READ)
    if not ok:
        raise RuntimeError("cannot map a video buffer")
    try:
        need = offset + stride * (height - 1) + width * 3
        if len(mapped.data) < need:
            raise ValueError("a %dx%d RGB buffer of %d bytes, %d needed"
                             % (width, height, len(mapped.data), need))
        data = np.frombuffer(mapped.data, dtype=np.uint8, count=need - offset, offset=offset)
        rows = np.lib.stride_tricks.as_strided(data, (height, width * 3), (stride, 1))
        return rows.reshape(height, width, 3).copy()
    finally:
        buf.unmap(mapped)


def as_rgb_frame(out):
    """@out, what a handler returned, as a height x width x 3 uint8 array
    (values clipped); TypeError or ValueError when it is not a picture."""
    frame = np.asarray(out)
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.shape[0] < 1 or frame.shape[1] < 1:
        raise ValueError("the handler returned an array of shape %s, not height x width x 3"
                         % (frame.shape,))
    if frame.dtype != np.uint8:
        if not np.issubdtype(frame.dtype, np.number) or np.issubdtype(frame.dtype,
                                                                      np.complexfloating):
            raise TypeError("the handler returned an array of %s, not numbers" % frame.dtype)
        frame = np.clip(frame, 0, 255).astype(np.uint8)
    return frame


def buffer_from_frame(frame):
    """A buffer of @frame (height x width x 3 uint8) in GStreamer's RGB
    layout: each row padded to a multiple of 4 bytes."""
    height, width = frame.shape[:2]
    stride = (width * 3 + 3) & ~3
    if stride == width * 3:
        data = np.ascontiguousarray(frame).tobytes()
    else:
        rows = np.zeros((height, stride), dtype=np.uint8)
        rows[:, :width * 3] = frame.reshape(height, width * 3)
        data = rows.tobytes()
    return Gst.Buffer.new_wrapped(data)


# ---------------------------------------------------------------------------
# The bin of one session


def make_bin(context, quiet, handler_class=Handler):
    """Video: leaky queue -> videoconvert (RGB) -> appsink -> handler (a
    new @handler_class for this session) -> appsrc (back to the client);
    audio: echoed as it came."""
    handler = handler_class(context)
    who = escaped(context.get_id())
    bin_ = Gst.Bin.new(None)
    # At most one frame waits for the handler, the newest: a slow handler
    # drops frames, it never holds the session's media up.
    queue = Gst.ElementFactory.make("queue")
    queue.set_property("max-size-buffers", 1)
    queue.set_property("max-size-bytes", 0)
    queue.set_property("max-size-time", 0)
    Gst.util_set_object_arg(queue, "leaky", "downstream")
    convert = Gst.ElementFactory.make("videoconvert")
    capsfilter = Gst.ElementFactory.make("capsfilter")
    capsfilter.set_property("caps", Gst.Caps.from_string("video/x-raw,format=RGB"))
    sink = Gst.ElementFactory.make("appsink")
    sink.set_property("emit-signals", True)
    sink.set_property("sync", False)
    # The session is live: no preroll (sessionbin copes with one, this
    # says what is meant).
    sink.set_property("async", False)
    sink.set_property("max-buffers", 1)
    sink.set_property("drop", True)
    src = Gst.ElementFactory.make("appsrc")
    src.set_property("format", Gst.Format.TIME)
    src.set_property("is-live", True)
    # Two frames at most wait to be sent, the oldest go first.
    src.set_property("max-bytes", 0)
    src.set_property("max-buffers", 2)
    Gst.util_set_object_arg(src, "leaky-type", "downstream")
    audio = Gst.ElementFactory.make("audioconvert")
    for e in (queue, convert, capsfilter, sink, src, audio):
        bin_.add(e)
    queue.link(convert)
    convert.link(capsfilter)
    capsfilter.link(sink)
    bin_.add_pad(Gst.GhostPad.new("video_sink", queue.get_static_pad("sink")))
    # appsrc's pad answers caps queries with ANY until it has caps: the
    # ghost pad's template names the kind sessionbin matches pads by.
    video_src = Gst.PadTemplate.new("video_src", Gst.PadDirection.SRC, Gst.PadPresence.ALWAYS,
                                    Gst.Caps.from_string("video/x-raw"))
    bin_.add_pad(Gst.GhostPad.new_from_template("video_src", src.get_static_pad("src"),
                                                video_src))
    bin_.add_pad(Gst.GhostPad.new("audio_sink", audio.get_static_pad("sink")))
    bin_.add_pad(Gst.GhostPad.new("audio_src", audio.get_static_pad("src")))

    state = {"in_caps": None, "info": None, "out": None, "failed": False, "frames": 0}

    def fail(error):
        """The handler failed: its traceback, then an error from the
        appsrc, which ends this session only (sessionbin warns)."""
        state["failed"] = True
        print("session %s: the handler failed on frame %d:\n%s" % (
            who, state["frames"], "".join(traceback.format_exception(error))),
            file=sys.stderr, end="", flush=True)
        try:
            what = escaped("%s: %s" % (type(error).__name__, error))
        except Exception:  # noqa: BLE001  an exception that cannot say what it is
            what = type(error).__name__
        gerror = GLib.Error.new_literal(Gst.stream_error_quark(), "the handler raised " + what,
                                        int(Gst.StreamError.FAILED))
        src.post_message(Gst.Message.new_error(src, gerror, "see the traceback on stderr"))

    def handle(sample):
        caps = sample.get_caps()
        if state["in_caps"] is None or not caps.is_equal(state["in_caps"]):
            info = GstVideo.VideoInfo.new_from_caps(caps)
            if info is None:
                raise ValueError("video caps the handler cannot read: %s" % caps.to_string())
            state["in_caps"], state["info"] = caps, info
        info = state["info"]
        buf = sample.get_buffer()
        frame = frame_from_buffer(buf, info)
        state["frames"] += 1
        out = handler(context, frame)
        if out is None:
            return
        frame = as_rgb_frame(out)
        height, width = frame.shape[:2]
        out_caps = (width, height, info.fps_n, info.fps_d)
        if state["out"] != out_caps:
            state["out"] = out_caps
            src.set_property("caps", Gst.Caps.from_string(
                "video/x-raw,format=RGB,width=%d,height=%d,framerate=%d/%d,"
                "pixel-aspect-ratio=1/1" % out_caps))
        outbuf = buffer_from_frame(frame)
        outbuf.pts = buf.pts
        outbuf.duration = buf.duration
        src.emit("push-buffer", outbuf)

    def on_sample(appsink):
        sample = appsink.emit("pull-sample")
        if sample is None:
            return Gst.FlowReturn.EOS
        if state["failed"]:
            return Gst.FlowReturn.ERROR
        try:
            handle(sample)
        except Exception as error:  # noqa: BLE001  the session ends, the server goes on
            fail(error)
            return Gst.FlowReturn.ERROR
        return Gst.FlowReturn.OK

    def on_eos(appsink):
        if not quiet:
            print("session %s: %d frames handled" % (who, state["frames"]), flush=True)
        src.emit("end-of-stream")

    sink.connect("new-sample", on_sample)
    sink.connect("eos", on_eos)
    return bin_


def create_handler(context, quiet):
    """create-handler: the session's bin, or None (the session ends with
    handler_failed) when making it failed."""
    try:
        return make_bin(context, quiet)
    except Exception:  # noqa: BLE001
        print("session %s: no handler:\n%s" % (escaped(context.get_id()),
                                              traceback.format_exc()),
              file=sys.stderr, end="", flush=True)
        return None


def main():
    args = sessionapp.parse_args(__doc__, options=lambda p: p.add_argument(
        "--ice-addresses", default=None,
        help="the addresses WebRTC peers are offered (sessionbin ice-addresses)"))
    pipeline, server = sessionapp.make_server("fastrtc-video-handler", args)
    if args.ice_addresses:
        server.set_property("ice-addresses", args.ice_addresses)
    server.connect("create-handler", lambda _bin, ctx: create_handler(ctx, args.quiet))
    return sessionapp.run(pipeline, server, args, "FastRTC-style video handler on port %d")


if __name__ == "__main__":
    sys.exit(main())
