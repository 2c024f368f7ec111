#!/usr/bin/env python3
"""Speech recognition per session: who said what.

    source pipelines/env.sh
    /usr/bin/python3 pipelines/transcribe.py --port 8080

sessionbin gives every session its own recognizer (Debian's
gstreamer1.0-pocketsphinx with pocketsphinx-en-us):

    audioconvert ! audioresample ! audio/x-raw,rate=16000 ! pocketsphinx ! fakesink

pocketsphinx posts a `pocketsphinx` element message per utterance; sessionbin
adds the session's id and context to it, so each line printed names its
speaker:

    alice: one two three

Accuracy is pocketsphinx's: its default English model transcribes synthetic
(espeak-ng) speech poorly; --digits restricts it to a small grammar of the
digits zero to nine (an FSG file), which does better. Nothing here promises accuracy.
"""
import argparse
import os
import signal
import sys
import tempfile

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSessionCtx", "1.0")
from gi.repository import GLib, Gst, GstSessionCtx  # noqa: E402

DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "oh"]


def digits_grammar(directory):
    """A finite-state grammar (pocketsphinx FSG): one or more digits."""
    path = os.path.join(directory, "digits.fsg")
    p = 1.0 / len(DIGITS)
    lines = ["FSG_BEGIN digits", "NUM_STATES 2", "START_STATE 0", "FINAL_STATE 1"]
    lines += ["TRANSITION 0 1 %.4f %s" % (p, w) for w in DIGITS]
    lines += ["TRANSITION 1 1 %.4f %s" % (p, w) for w in DIGITS]
    lines.append("FSG_END")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def printable(text):
    return text.encode("unicode_escape").decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--address", default="0.0.0.0")
    parser.add_argument("--digits", action="store_true",
                        help="recognize only digits (a small grammar)")
    parser.add_argument("--seconds", type=float, default=0,
                        help="stop after this long (0: until Ctrl-C)")
    args = parser.parse_args()

    Gst.init(None)
    tmp = tempfile.TemporaryDirectory()
    recognizer = "pocketsphinx"
    if args.digits:
        # Our own file name, never a client's: safe in the description.
        recognizer += " fsg=%s" % digits_grammar(tmp.name)
    handler = ("audioconvert ! audioresample ! audio/x-raw,rate=16000 ! %s ! fakesink"
               % recognizer)
    pipeline = Gst.Pipeline.new("transcribe")
    server = Gst.ElementFactory.make("sessionbin")
    server.set_property("port", args.port)
    server.set_property("address", args.address)
    server.set_property("handler", handler)
    pipeline.add(server)

    loop = GLib.MainLoop()

    def on_message(_bus, msg):
        if msg.type == Gst.MessageType.ERROR:
            err, _ = msg.parse_error()
            print("error: %s" % err.message, file=sys.stderr)
            loop.quit()
        elif msg.type == Gst.MessageType.EOS:
            loop.quit()
        elif msg.type == Gst.MessageType.ELEMENT:
            s = msg.get_structure()
            if s.get_name() == "pocketsphinx" and s.get_value("final"):
                ctx = GstSessionCtx.message_get_session_context(msg)
                who = ctx.get_id() if ctx else "?"
                print("%s: %s" % (printable(who), s.get_string("hypothesis") or ""),
                      flush=True)

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
        print("could not start (port %d in use, or pocketsphinx missing?)" % args.port,
              file=sys.stderr)
        return 1
    print("transcribing every session on port %d" % server.get_property("port"), flush=True)
    loop.run()
    pipeline.set_state(Gst.State.NULL)
    return 0


if __name__ == "__main__":
    sys.exit(main())
