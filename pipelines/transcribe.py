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
import sys
import tempfile

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSessionCtx", "1.0")
from gi.repository import GstSessionCtx  # noqa: E402

import fsg  # noqa: E402
import sessionapp  # noqa: E402

DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "oh"]


def main():
    args = sessionapp.parse_args(__doc__, quiet=False, options=lambda p: p.add_argument(
        "--digits", action="store_true", help="recognize only digits (a small grammar)"))
    pipeline, server = sessionapp.make_server("transcribe", args)
    tmp = tempfile.TemporaryDirectory()
    recognizer = "pocketsphinx"
    if args.digits:
        # Our own file name, never a client's: safe in the description.
        recognizer += " fsg=%s" % fsg.write(tmp.name, "digits", DIGITS)
    server.set_property("handler", "audioconvert ! audioresample ! audio/x-raw,rate=16000 ! "
                        "%s ! fakesink" % recognizer)

    def on_element(msg):
        s = msg.get_structure()
        if s.get_name() == "pocketsphinx" and s.get_value("final"):
            ctx = GstSessionCtx.message_get_session_context(msg)
            who = ctx.get_id() if ctx else "?"
            print("%s: %s" % (sessionapp.escaped(who), s.get_string("hypothesis") or ""),
                  flush=True)

    return sessionapp.run(pipeline, server, args, "transcribing every session on port %d",
                          failure="could not start (port %d in use, or pocketsphinx missing?)",
                          on_element=on_element, sessions=None)


if __name__ == "__main__":
    sys.exit(main())
