#!/usr/bin/env python3
"""pipelines/fastrtc_video_handler.py, FastRTC's `handler(context, frame) ->
frame` through sessionbin's create-handler:

    frames        its bin in a plain pipeline (no server): pictures of odd
                  sizes (padded rows), smaller than the label, a handler
                  that returns another size and floats, one that raises,
                  one that returns no picture
    two-callers   the script as a server and two independent aiortc peers
                  (tests/clients/aiortc_video_probe.py), each sending its
                  own flat colour and tone: each gets its own picture back
                  with its own id drawn, at a steady rate, and its tone

As tests/test_aiortc.py, inside a private network namespace with a veth
pair (tnet0/tnet1, 10.201.0.1-2/24): aiortc never gathers loopback. Needs
root (unshare -n).

    test_video_handler.py [CASE...]     the cases of CASES (all by default)"""
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "pipelines"))
from servers import free_port, stop_server, wait_listening  # noqa: E402
from netns import SERVER_ADDRESS, run_inside  # noqa: E402
from checks import check, list_cases, run_cases  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(HERE), "pipelines", "fastrtc_video_handler.py")
CLIENT = os.path.join(HERE, "clients", "aiortc_video_probe.py")


def example():
    """The example as a module (it needs GstSessionCtx's typelib: imported
    when a case runs, after `--list`)."""
    import fastrtc_video_handler
    return fastrtc_video_handler


# ---------------------------------------------------------------------------
# frames: the bin in a plain pipeline


def run_bin(width, height, handler_class=None, frames=5):
    """@frames pictures of videotestsrc (SMPTE bars, RGB width x height:
    rows padded to 4 bytes, live at 15 fps: the bin drops what its handler
    cannot take) through the example's bin for a session "frames-\\x1b/ü",
    and what came out as RGBx (no padding to get wrong). Returns ({pts:
    input picture}, {pts: output picture}, bus errors, what it printed on
    stderr)."""
    ex = example()
    from gi.repository import Gst, GstSessionCtx
    context = GstSessionCtx.SessionContext.new(
        "frames-\x1b/\u00fc", GstSessionCtx.SessionTransport.WEBRTC,
        GstSessionCtx.SessionDialect.FASTRTC, None, None)
    pipeline = Gst.parse_launch(
        "videotestsrc is-live=true num-buffers=%d pattern=smpte ! video/x-raw,format=RGB,width=%d,"
        "height=%d,framerate=15/1 ! tee name=t "
        "t. ! queue ! videoconvert ! video/x-raw,format=RGBx ! appsink name=ref sync=false "
        "t. ! queue name=in  videoconvert name=back ! video/x-raw,format=RGBx ! "
        "appsink name=out sync=false" % (frames, width, height))
    kwargs = {"handler_class": handler_class} if handler_class else {}
    handler = ex.make_bin(context, True, **kwargs)
    pipeline.add(handler)
    pipeline.get_by_name("in").link_pads("src", handler, "video_sink")
    handler.link_pads("video_src", pipeline.get_by_name("back"), "sink")

    pictures = {"ref": {}, "out": {}}

    def keep(name):
        def on_sample(sink):
            sample = sink.emit("pull-sample")
            s = sample.get_caps().get_structure(0)
            w, h = s.get_value("width"), s.get_value("height")
            buf = sample.get_buffer()
            data = buf.extract_dup(0, buf.get_size())
            pictures[name][buf.pts] = np.frombuffer(data, np.uint8).reshape(h, w, 4)[:, :, :3]
            return Gst.FlowReturn.OK
        sink = pipeline.get_by_name(name)
        sink.set_property("emit-signals", True)
        sink.connect("new-sample", on_sample)
    keep("ref")
    keep("out")
    stderr = io.StringIO()
    errors = []
    with contextlib.redirect_stderr(stderr):
        pipeline.set_state(Gst.State.PLAYING)
        bus = pipeline.get_bus()
        # Until EOS, or 1 s after the first error (the rest stops then).
        while True:
            msg = bus.timed_pop_filtered((1 if errors else 10) * Gst.SECOND,
                                         Gst.MessageType.EOS | Gst.MessageType.ERROR)
            if msg is None or msg.type == Gst.MessageType.EOS:
                break
            err, _debug = msg.parse_error()
            errors.append("%s: %s" % (msg.src.get_name(), err.message))
        pipeline.set_state(Gst.State.NULL)
    return pictures["ref"], pictures["out"], errors, stderr.getvalue()


def case_frames():
    ex = example()
    from gi.repository import Gst
    Gst.init(None)
    check(ex.label_text("../a b!\u00fc\x1b" + "x" * 40) == "..?A?B???" + "X" * 15,
          "the label: the first 24 characters, upper case, '?' outside [A-Z0-9-_.:]: %r"
          % ex.label_text("../a b!\u00fc\x1b" + "x" * 40))
    mask = ex.label_mask("frames-\x1b/\u00fc")
    for shape in ((1, 1, 3), (3, 5, 3), (6, 200, 3), (240, 10, 3)):
        ok = True
        try:
            ex.draw_label(np.full(shape, 77, np.uint8), mask)
        except Exception as error:  # noqa: BLE001
            ok = error
        check(ok is True, "a label on a %dx%d picture: %s" % (shape[1], shape[0], ok))

    # Odd sizes: rows padded in and out; smaller than the label.
    for width, height in ((321, 241), (320, 240), (50, 12)):
        ref, out, errors, _err = run_bin(width, height)
        same = len(out) >= 3 and all(pts in ref and np.array_equal(
            o, ex.draw_label(ref[pts].copy(), mask)) for pts, o in out.items())
        check(same and not errors,
              "%dx%d: %d of %d pictures back, each its input with the label: %s%s"
              % (width, height, len(out), len(ref), same, errors or ""))

    class Resizing:
        """Half the size, as floats past 255."""

        def __init__(self, context):
            pass

        def __call__(self, context, frame):
            return frame[::2, ::2].astype(np.float64) * 2.0

    ref, out, errors, _err = run_bin(321, 241, Resizing)
    same = len(out) >= 3 and all(pts in ref and np.array_equal(o, np.clip(
        ref[pts][::2, ::2].astype(np.float64) * 2.0, 0, 255).astype(np.uint8))
        for pts, o in out.items())
    check(same and not errors, "a handler returning 161x121 floats: %s, sizes %s%s"
          % (same, sorted({o.shape for o in out.values()}), errors or ""))

    class Raising:
        def __init__(self, context):
            self.frames = 0

        def __call__(self, context, frame):
            self.frames += 1
            if self.frames == 2:
                raise ZeroDivisionError("on purpose")
            return frame

    ref, out, errors, err = run_bin(64, 48, Raising)
    print(err)
    check(len(out) == 1 and any("the handler raised ZeroDivisionError: on purpose" in e
                                for e in errors),
          "a handler that raises: %d picture back, then the bus error %s" % (len(out), errors))
    check("Traceback" in err and "ZeroDivisionError" in err
          and "session frames-\\x1b/\\xfc: the handler failed on frame 2" in err
          and "\x1b" not in err,
          "its traceback on stderr, the id escaped: %r" % err[:120])

    class Shapeless:
        def __init__(self, context):
            pass

        def __call__(self, context, frame):
            return frame[:, :, 0]

    _ref, out, errors, _err = run_bin(64, 48, Shapeless)
    check(not out and any("not height x width x 3" in e for e in errors),
          "a handler returning a 48x64 array: nothing back, the bus error %s" % errors)

    class Silent:
        def __init__(self, context):
            pass

        def __call__(self, context, frame):
            return None

    _ref, out, errors, _err = run_bin(64, 48, Silent)
    check(not out and not errors, "a handler returning None: nothing back, no error %s" % errors)


# ---------------------------------------------------------------------------
# two-callers: the script and two aiortc peers

CALLERS = [("vid-alice", (128, 128, 128), 440.0), ("bob-2", (200, 120, 40), 1250.0)]
SECONDS = 6.0


def start_client(port, ident, colour, freq, save):
    return subprocess.Popen([sys.executable, CLIENT, "http://127.0.0.1:%d/webrtc/offer" % port,
                             "--id", ident, "--colour", ",".join(map(str, colour)),
                             "--freq", str(freq), "--seconds", str(SECONDS), "--save", save],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def client_result(proc, ident):
    out, err = proc.communicate(timeout=90)
    print(out.strip())
    if proc.returncode != 0:
        print(err[-2000:])
    try:
        result = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {}
    if result.get("id") != ident:
        result = {}
    result["exit"] = proc.returncode
    return result


def expected_picture(ident, colour, shape):
    ex = example()
    frame = np.empty(shape, np.uint8)
    frame[:, :] = colour
    return ex.draw_label(frame, ex.label_mask(ident))


def label_scores(pictures, ident, other, colour):
    """Mean absolute difference (grey levels) between each picture's label
    area (both labels' box) and the picture expected with @ident's label,
    and with @other's."""
    ex = example()
    shape = pictures[0].shape
    own = expected_picture(ident, colour, shape).astype(np.int16)
    theirs = expected_picture(other, colour, shape).astype(np.int16)
    rows = max(ex.label_mask(ident).shape[0], ex.label_mask(other).shape[0]) \
        + 2 * ex.LABEL_MARGIN
    cols = max(ex.label_mask(ident).shape[1], ex.label_mask(other).shape[1]) \
        + 2 * ex.LABEL_MARGIN
    out = []
    for p in pictures:
        area = p[:rows, :cols].astype(np.int16)
        out.append((float(np.abs(area - own[:rows, :cols]).mean()),
                    float(np.abs(area - theirs[:rows, :cols]).mean())))
    return out, rows


def case_two_callers():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, EXAMPLE, "--port", str(port), "--address", "127.0.0.1",
         "--ice-addresses", SERVER_ADDRESS, "--seconds", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    results = {}
    with tempfile.TemporaryDirectory() as d:
        try:
            check(wait_listening(port, timeout=20, proc=server), "the example listens")
            procs = [(start_client(port, ident, colour, freq, os.path.join(d, ident + ".npz")),
                      ident) for ident, colour, freq in CALLERS]
            for proc, ident in procs:
                results[ident] = client_result(proc, ident)
        finally:
            log = stop_server(server, timeout=30)
        pictures = {}
        for ident, _colour, _freq in CALLERS:
            path = os.path.join(d, ident + ".npz")
            pictures[ident] = np.load(path)["pictures"] if os.path.exists(path) else []
    print(log)

    for (ident, colour, freq), (other, _c, _f) in zip(CALLERS, CALLERS[::-1]):
        res = results.get(ident, {})
        check(res.get("exit") == 0, "%s: exit %s" % (ident, res.get("exit")))
        # 15 fps sent for 6 s; the first picture comes back after about 1 s
        # (keyframe, decoders). A loaded machine gets some slack.
        check(res.get("frames_back", 0) >= 30 and res.get("fps_back", 0) >= 7,
              "%s: %s pictures back, %s per second over the last 3 s, first after %s s"
              % (ident, res.get("frames_back"), res.get("fps_back"), res.get("first_frame_s")))
        check(res.get("sizes") == ["320x240"], "%s: pictures of %s" % (ident, res.get("sizes")))
        check(abs(res.get("heard_hz", 0) - freq) < freq * 0.05 and res.get("samples_back", 0)
              >= 48000 * 3, "%s: heard %s Hz (sent %g), %s samples back"
              % (ident, res.get("heard_hz"), freq, res.get("samples_back")))
        kept = pictures[ident]
        if not len(kept):
            check(False, "%s: pictures kept" % ident)
            continue
        scores, label_rows = label_scores(kept, ident, other, colour)
        clear = sum(1 for own, theirs in scores if own < 0.5 * theirs and own < 20)
        print("%s: label error against its own id / the other's, per picture: %s"
              % (ident, ", ".join("%.1f/%.1f" % s for s in scores)))
        # VP8 at a few hundred kbit/s blurs the glyphs' edges, and a picture
        # may come damaged by loss: most, not all.
        check(clear >= 0.8 * len(scores), "%s: its own id, clearly, on %d of %d pictures"
              % (ident, clear, len(scores)))
        below = np.stack(kept)[:, label_rows + 8:, :, :].reshape(-1, 3)
        mean = below.mean(axis=0)
        check(np.abs(mean - colour).max() < 12 and below.std(axis=0).max() < 12,
              "%s: the rest of the picture keeps its colour: sent %s, back %s (std %s)"
              % (ident, colour, np.round(mean, 1).tolist(),
                 np.round(below.std(axis=0), 1).tolist()))
        check("session-started %s" % ident in log and "session-ended %s" % ident in log,
              "%s: the script printed its session-started and session-ended lines" % ident)
        check("session %s: " % ident in log and "frames handled" in log,
              "the handler ran for %s" % ident)
    check("Traceback" not in log and "warning" not in log and "error" not in log,
          "the example neither failed nor warned")


CASES = {
    "frames": case_frames,
    "two-callers": case_two_callers,
}


if __name__ == "__main__":
    list_cases(CASES)
    run_inside(__file__, lambda: run_cases(CASES))
