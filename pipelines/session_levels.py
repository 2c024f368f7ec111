#!/usr/bin/env python3
"""Log each session's audio level, with its context, one JSON line at a time.

    source pipelines/env.sh
    /usr/bin/python3 pipelines/session_levels.py --port 8080 --interval 0.5

Each session pad of `sessionsrc session-pads=true` gets its own
`level ! fakesink`; level's messages are matched back to the session through
the pad's context (gst_session_context_get_current from Python).
"""
import argparse
import json
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSessionCtx", "1.0")
from gi.repository import GLib, Gst, GstSessionCtx  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--address", default="0.0.0.0")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds per report")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long")
    args = parser.parse_args()
    Gst.init(None)

    pipeline = Gst.Pipeline.new("levels")
    src = Gst.ElementFactory.make("sessionsrc", "src")
    src.set_property("port", args.port)
    src.set_property("address", args.address)
    src.set_property("session-pads", True)
    pipeline.add(src)
    contexts = {}  # level element name -> context
    loop = GLib.MainLoop()

    def on_pad_added(element, pad):
        ctx = GstSessionCtx.SessionContext.get_current(pad, None)
        level = Gst.ElementFactory.make("level")
        level.set_property("interval", int(args.interval * Gst.SECOND))
        level.set_property("post-messages", True)
        sink = Gst.ElementFactory.make("fakesink")
        sink.set_property("sync", False)
        sink.set_property("async", False)
        pipeline.add(level)
        pipeline.add(sink)
        level.link(sink)
        contexts[level.get_name()] = ctx
        level.sync_state_with_parent()
        sink.sync_state_with_parent()
        pad.link(level.get_static_pad("sink"))
        # At the session's EOS, remove its branch (from the main loop).
        sink.get_static_pad("sink").add_probe(
            Gst.PadProbeType.EVENT_DOWNSTREAM, on_sink_event, (level, sink))

    def on_sink_event(pad, info, branch):
        if info.get_event().type == Gst.EventType.EOS:
            GLib.idle_add(remove_branch, branch)
        return Gst.PadProbeReturn.OK

    def remove_branch(branch):
        for e in branch:
            e.set_state(Gst.State.NULL)
            pipeline.remove(e)
        contexts.pop(branch[0].get_name(), None)
        return False

    def on_message(bus, msg):
        s = msg.get_structure()
        if msg.type == Gst.MessageType.ELEMENT and s.get_name() == "level":
            ctx = contexts.get(msg.src.get_name())
            if ctx is None:
                return
            print(json.dumps({
                "session": ctx.get_id(),
                "transport": GstSessionCtx.session_transport_to_string(ctx.get_transport()),
                "dialect": GstSessionCtx.session_dialect_to_string(ctx.get_dialect()),
                "remote": ctx.get_remote_address(),
                "running_time_s": round(s.get_value("running-time") / Gst.SECOND, 3),
                "rms_db": round(s.get_value("rms")[0], 1),
                "peak_db": round(s.get_value("peak")[0], 1),
            }), flush=True)
        elif msg.type == Gst.MessageType.ELEMENT and s.get_name() == "session-ended":
            print(json.dumps({"session": s.get_string("session-id"),
                              "ended": s.get_string("reason-name")}), flush=True)
        elif msg.type == Gst.MessageType.ERROR:
            print("error: %s" % msg.parse_error()[0].message, file=sys.stderr)
            loop.quit()

    src.connect("pad-added", on_pad_added)
    bus = pipeline.get_bus()
    bus.add_signal_watch()
    bus.connect("message", on_message)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    if args.seconds:
        GLib.timeout_add(int(args.seconds * 1000), loop.quit)
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        sys.exit(1)
    print("logging levels of sessions on port %d" % src.get_property("port"), file=sys.stderr)
    loop.run()
    pipeline.set_state(Gst.State.NULL)


if __name__ == "__main__":
    main()
