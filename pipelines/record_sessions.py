#!/usr/bin/env python3
"""Record every session to its own WAV file, named after the session id.

    source pipelines/env.sh
    /usr/bin/python3 pipelines/record_sessions.py --port 8080 --dir recordings

sessionsrc runs with session-pads=true: each session gets its own pad, whose
sticky session-context event names the session as soon as the pad appears.
Each pad is linked to `audioconvert ! wavenc ! filesink`; at the end of the
session (EOS on the pad) the WAV header is finalized and the branch removed.
Ctrl-C finishes the files of live sessions and exits.
"""
import argparse
import os
import re
import signal
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSessionCtx", "1.0")
from gi.repository import GLib, Gst, GstSessionCtx  # noqa: E402

from sessionapp import escaped  # noqa: E402


class Recorder:
    def __init__(self, port, directory, address, seconds):
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        self.pipeline = Gst.Pipeline.new("recorder")
        self.src = Gst.ElementFactory.make("sessionsrc", "src")
        self.src.set_property("port", port)
        self.src.set_property("address", address)
        self.src.set_property("session-pads", True)
        self.pipeline.add(self.src)
        self.src.connect("pad-added", self.on_pad_added)
        self.branches = {}  # pad name -> (elements, path)
        self.loop = GLib.MainLoop()
        self.stopping = False
        bus = self.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self.on_message)
        if seconds:
            GLib.timeout_add(int(seconds * 1000), self.stop)

    def on_pad_added(self, src, pad):
        ctx = GstSessionCtx.SessionContext.get_current(pad, None)
        if ctx is None:
            return
        safe_id = re.sub(r"[^A-Za-z0-9._-]", "_", ctx.get_id())
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = os.path.join(self.directory, "session-%s-%s.wav" % (safe_id, stamp))
        convert = Gst.ElementFactory.make("audioconvert")
        wavenc = Gst.ElementFactory.make("wavenc")
        sink = Gst.ElementFactory.make("filesink")
        sink.set_property("location", path)
        sink.set_property("async", False)
        elements = (convert, wavenc, sink)
        for e in elements:
            self.pipeline.add(e)
        convert.link(wavenc)
        wavenc.link(sink)
        for e in elements:
            e.sync_state_with_parent()
        pad.link(convert.get_static_pad("sink"))
        self.branches[pad.get_name()] = (elements, path)
        sink.get_static_pad("sink").add_probe(
            Gst.PadProbeType.EVENT_DOWNSTREAM, self.on_sink_event, pad.get_name())
        print("recording session %s (%s/%s from %s) -> %s" % (
            escaped(ctx.get_id()),
            GstSessionCtx.session_transport_to_string(ctx.get_transport()),
            GstSessionCtx.session_dialect_to_string(ctx.get_dialect()),
            ctx.get_remote_address(), path), flush=True)

    def on_sink_event(self, pad, info, name):
        if info.get_event().type == Gst.EventType.EOS:
            # The WAV header is final once filesink has the EOS; tear the
            # branch down from the main loop, not this streaming thread.
            GLib.idle_add(self.remove_branch, name)
        return Gst.PadProbeReturn.OK

    def remove_branch(self, name):
        elements, path = self.branches.pop(name, (None, None))
        if elements:
            for e in elements:
                e.set_state(Gst.State.NULL)
                self.pipeline.remove(e)
            print("finished %s" % path, flush=True)
        if self.stopping and not self.branches:
            self.loop.quit()
        return False

    def on_message(self, bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, dbg = msg.parse_error()
            print("error: %s (%s)" % (err.message, dbg), file=sys.stderr)
            self.loop.quit()
        elif msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s.get_name() == "session-ended":
                print("session %s ended: %s" % (
                    escaped(s.get_string("session-id")), s.get_string("reason-name")),
                    flush=True)

    def stop(self, *args):
        if self.stopping:
            return False
        self.stopping = True
        # EOS on every session pad finalizes the files still open.
        self.src.send_event(Gst.Event.new_eos())
        if not self.branches:
            self.loop.quit()
        GLib.timeout_add_seconds(5, self.loop.quit)
        return False

    def run(self):
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            return 1
        print("recording sessions on port %d into %s/" % (
            self.src.get_property("port"), self.directory), flush=True)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, self.stop)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, self.stop)
        self.loop.run()
        self.pipeline.set_state(Gst.State.NULL)
        return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--address", default="0.0.0.0")
    parser.add_argument("--dir", default="recordings")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long")
    args = parser.parse_args()
    Gst.init(None)
    sys.exit(Recorder(args.port, args.dir, args.address, args.seconds).run())


if __name__ == "__main__":
    main()
