"""What the sessionbin servers under pipelines/ share: their command line
(--port, --address, --seconds, --quiet), a sessionbin in a pipeline, and
the main loop: errors and warnings on stderr, session-started and
session-ended printed (unless --quiet), Ctrl-C or --seconds ending the
stream (EOS), then the pipeline stopped. Not a script: the scripts beside
it import it (their folder is on sys.path when they run).
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402


def escaped(text):
    """@text (a session id, anything a client may have chosen) as it may be
    printed: non-ASCII and control characters escaped."""
    return text.encode("unicode_escape").decode("ascii")


def parse_args(doc, options=None, quiet=True):
    """The command line: --port, --address, what @options (a function of
    the parser) adds, --seconds and, if @quiet, --quiet."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--address", default="0.0.0.0")
    if options:
        options(parser)
    parser.add_argument("--seconds", type=float, default=0,
                        help="stop after this long (0: until Ctrl-C)")
    if quiet:
        parser.add_argument("--quiet", action="store_true")
    return parser.parse_args()


def make_server(name, args):
    """Gst.init, then a pipeline @name holding a sessionbin on @args' port
    and address. Returns (pipeline, sessionbin)."""
    Gst.init(None)
    pipeline = Gst.Pipeline.new(name)
    server = Gst.ElementFactory.make("sessionbin")
    server.set_property("port", args.port)
    server.set_property("address", args.address)
    pipeline.add(server)
    return pipeline, server


def session_line(name, session_id):
    """How a session-started or session-ended message is printed."""
    return "%s %s" % (name, escaped(session_id or ""))


def run(pipeline, server, args, banner, failure="could not start (port %d in use?)",
        on_element=None, sessions=session_line):
    """Plays @pipeline until EOS or an error; returns the exit status.
    @banner and @failure (each with %d for the port) are printed once
    started / when it cannot start. @on_element gets every element message;
    @sessions(name, id) makes the line printed for session-started and
    session-ended (None, or --quiet: none)."""
    loop = GLib.MainLoop()
    quiet = getattr(args, "quiet", False)

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            print("error: %s" % escaped(err.message), file=sys.stderr)
            loop.quit()
        elif msg.type == Gst.MessageType.WARNING:
            # A handler that failed: sessionbin names the session (sanitized).
            err, _ = msg.parse_warning()
            print("warning: %s" % escaped(err.message), file=sys.stderr, flush=True)
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()
        elif msg.type == Gst.MessageType.ELEMENT:
            if on_element:
                on_element(msg)
            s = msg.get_structure()
            if (sessions and not quiet
                    and s.get_name() in ("session-started", "session-ended")):
                print(sessions(s.get_name(), s.get_string("session-id")), flush=True)

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
        print(failure % args.port, file=sys.stderr)
        return 1
    print(banner % server.get_property("port"), flush=True)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    return 0
