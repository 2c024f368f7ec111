#!/usr/bin/env python3
"""A voice agent per caller, in FastRTC's shape: `reply(context, audio)` is
called with each whole turn a caller says and yields the answer.

    source pipelines/env.sh
    /usr/bin/python3 pipelines/voice_agent.py --port 8080
    # open http://127.0.0.1:8080/, press Start, say "one two three", pause

Write `Agent.reply(context, audio)` as you would FastRTC's
`ReplyOnPause(reply)`: `audio` is `(rate, samples)` (numpy int16, mono),
one whole turn from the caller's first syllable to their last; yield
`(rate, samples)` chunks to be played back, or a dict to send the caller as
a JSON message (FastRTC's AdditionalOutputs; WebSocket and WebRTC data
channel, not Twilio, whose protocol has no such message). `context` is the
caller's GstSessionContext (id, transport, dialect, remote address,
metadata): this agent keeps each caller's conversation by `context.get_id()`
(how many turns, what was heard), so it knows who is speaking, even when
they call again with the same id. It recognises the turn with pocketsphinx
(a small grammar: digits and a few words; no accuracy promised) and answers
with espeak-ng, e.g. "Caller 3 f 2 a, turn 2: you said one two three".

Per session, sessionbin's `create-handler` gets a bin
`turndetect -> (each turn) -> Python -> appsrc`: turndetect holds the
caller's speech and hands over each turn once they pause (FastRTC's
ReplyOnPause). If the caller speaks again while the reply plays, the reply
is cut (turndetect's can-interrupt; sessionbin drops the rest of what the
appsrc had for that caller; a Twilio client gets `clear`) and this script
stops taking the old reply's chunks. Nothing about the caller's id goes
anywhere unescaped: espeak-ng hears only a short form of it ([a-z0-9], four
characters), logs print that short form, JSON messages escape it.
"""
import collections
import io
import json
import queue
import subprocess
import sys
import tempfile
import threading
import wave

import numpy as np

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSessionCtx", "1.0")
from gi.repository import Gst, GstSessionCtx  # noqa: E402

import fsg  # noqa: E402
import sessionapp  # noqa: E402

RATE = 48000          # the caller's audio in the handler (sessionbin's rate)
CHUNK_SECONDS = 0.02  # a reply is pushed in buffers this long: a cut is as fine
MAX_CONVERSATIONS = 1000
MAX_HISTORY = 20
WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
         "nine", "oh", "yes", "no", "hello", "stop", "please", "thank", "you"]


def short_id(session_id):
    """At most four of [a-z0-9] from the start of @session_id: all of it that
    is ever spoken or printed."""
    kept = [c for c in session_id.lower() if c.isascii() and c.isalnum()]
    return "".join(kept[:4]) or "anon"


# ---------------------------------------------------------------------------
# Speech in and out


def write_grammar(directory, words=WORDS):
    """A pocketsphinx finite-state grammar: one or more of @words."""
    return fsg.write(directory, "agent", words)


class Recognizer:
    """pocketsphinx in a pipeline of its own: a turn in, its words out. The
    turn is followed by a second of silence, so that pocketsphinx's own
    detector ends the utterance."""

    def __init__(self, grammar):
        self.pipeline = Gst.parse_launch(
            "appsrc name=src format=time caps=audio/x-raw,format=S16LE,channels=1,"
            "layout=interleaved,rate=%d ! audioconvert ! audioresample ! "
            "audio/x-raw,rate=16000 ! pocketsphinx name=asr ! fakesink async=false" % RATE)
        self.pipeline.get_by_name("asr").set_property("fsg", grammar)
        self.src = self.pipeline.get_by_name("src")
        self.bus = self.pipeline.get_bus()
        self.pts = 0
        self.pipeline.set_state(Gst.State.PLAYING)

    def recognise(self, samples, rate):
        if rate != RATE:
            return ""
        pcm = np.concatenate([samples.astype(np.int16), np.zeros(RATE, np.int16)])
        step = RATE // 50
        for i in range(0, len(pcm), step):
            buf = Gst.Buffer.new_wrapped(pcm[i:i + step].tobytes())
            buf.pts = self.pts
            buf.duration = Gst.SECOND // 50
            self.pts += buf.duration
            self.src.emit("push-buffer", buf)
        while True:
            msg = self.bus.timed_pop_filtered(5 * Gst.SECOND, Gst.MessageType.ELEMENT
                                              | Gst.MessageType.ERROR)
            if msg is None or msg.type == Gst.MessageType.ERROR:
                return ""
            s = msg.get_structure()
            if s.get_name() == "pocketsphinx" and s.get_value("final"):
                return s.get_string("hypothesis") or ""

    def close(self):
        self.pipeline.set_state(Gst.State.NULL)


class RecognizerPool:
    """Recognizers in use by one reply at a time, made as replies overlap."""

    def __init__(self, grammar):
        self.grammar = grammar
        self.idle = []
        self.lock = threading.Lock()

    def recognise(self, samples, rate):
        with self.lock:
            r = self.idle.pop() if self.idle else None
        if r is None:
            r = Recognizer(self.grammar)
        try:
            return r.recognise(samples, rate)
        finally:
            with self.lock:
                self.idle.append(r)

    def close(self):
        with self.lock:
            for r in self.idle:
                r.close()
            self.idle = []


def speak(text):
    """@text spoken by espeak-ng (on its stdin: never an argument), as
    (rate, int16 samples)."""
    out = subprocess.run(["espeak-ng", "--stdin", "--stdout", "-v", "en-us"],
                         input=text.encode("ascii", "replace"),
                         capture_output=True, check=True).stdout
    with wave.open(io.BytesIO(out)) as w:
        return w.getframerate(), np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)


# ---------------------------------------------------------------------------
# The agent (edit me)


class Conversation:
    def __init__(self):
        self.turns = 0
        self.heard = collections.deque(maxlen=MAX_HISTORY)


class Agent:
    """Every caller's conversation, by their session id."""

    def __init__(self, recognizers):
        self.recognizers = recognizers
        self.conversations = collections.OrderedDict()
        self.lock = threading.Lock()

    def conversation(self, session_id):
        with self.lock:
            conv = self.conversations.pop(session_id, None) or Conversation()
            self.conversations[session_id] = conv
            while len(self.conversations) > MAX_CONVERSATIONS:
                self.conversations.popitem(last=False)
            return conv

    def reply(self, context, audio):
        rate, samples = audio
        conv = self.conversation(context.get_id())
        words = self.recognizers.recognise(samples, rate)
        with self.lock:
            conv.turns += 1
            turn = conv.turns
            conv.heard.append(words)
        caller = short_id(context.get_id())
        said = words or "something I did not catch"
        text = "Caller %s, turn %d: you said %s." % (" ".join(caller), turn, said)
        yield {"type": "reply", "data": {"session": context.get_id(), "caller": caller,
                                         "turn": turn, "heard": words, "text": text}}
        rate, pcm = speak(text)
        for i in range(0, len(pcm), rate // 5):
            yield rate, pcm[i:i + rate // 5]


# ---------------------------------------------------------------------------
# FastRTC's ReplyOnPause on sessionbin: a handler bin per session


class Session:
    """One caller's handler: turns from turndetect go to a worker thread
    that runs the agent's reply and pushes what it yields into the appsrc,
    stamped to play from now (or after what still plays)."""

    def __init__(self, agent, server, context, quiet):
        self.agent, self.server, self.context, self.quiet = agent, server, context, quiet
        self.name = short_id(context.get_id())
        self.turns = queue.Queue()
        self.generation = 0       # bumped when the caller interrupts
        self.next_pts = None      # running time just past what was pushed
        self.lock = threading.Lock()
        self.bin = self._make_bin()
        self.worker = threading.Thread(target=self._work, daemon=True)
        self.worker.start()

    def _make_bin(self):
        b = Gst.Bin.new(None)
        detector = Gst.ElementFactory.make("turndetect")
        sink = Gst.ElementFactory.make("fakesink")
        sink.set_property("sync", False)
        sink.set_property("async", False)
        self.src = Gst.ElementFactory.make("appsrc")
        self.src.set_property("format", Gst.Format.TIME)
        self.src.set_property("is-live", True)
        self.rate = 22050     # espeak-ng's; the caps follow what is yielded
        self.src.set_property("caps", self._caps(self.rate))
        for e in (detector, sink, self.src):
            b.add(e)
        detector.link(sink)
        b.add_pad(Gst.GhostPad.new("sink", detector.get_static_pad("sink")))
        b.add_pad(Gst.GhostPad.new("src", self.src.get_static_pad("src")))
        detector.get_static_pad("src").add_probe(
            Gst.PadProbeType.BUFFER | Gst.PadProbeType.EVENT_DOWNSTREAM, self._on_turn_data, [])
        return b

    @staticmethod
    def _caps(rate):
        return Gst.Caps.from_string("audio/x-raw,format=S16LE,layout=interleaved,"
                                    "channels=1,rate=%d" % rate)

    def _on_turn_data(self, _pad, info, parts):
        """turndetect's output (hold mode): turn-start, the turn's buffers,
        turn-end; EOS at the session's end."""
        if info.type & Gst.PadProbeType.BUFFER:
            buf = info.get_buffer()
            ok, m = buf.map(Gst.MapFlags.READ)
            if ok:
                parts.append(np.frombuffer(m.data, dtype=np.int16).copy())
                buf.unmap(m)
            return Gst.PadProbeReturn.OK
        ev = info.get_event()
        if ev.type == Gst.EventType.EOS:
            self.turns.put(None)
        elif GstSessionCtx.event_parse_turn_start(ev)[0]:
            parts.clear()
        elif GstSessionCtx.event_parse_turn_end(ev)[0]:
            if parts:
                self.turns.put(np.concatenate(parts))
            parts.clear()
        return Gst.PadProbeReturn.OK

    def interrupt(self):
        """The caller started a new turn (turn-started, interrupt=TRUE):
        the reply under way is dropped (sessionbin cut what was queued),
        the next one plays from now."""
        with self.lock:
            self.generation += 1
            self.next_pts = None

    def _work(self):
        while True:
            turn = self.turns.get()
            if turn is None:
                break
            with self.lock:
                generation = self.generation
            try:
                self._play(self.agent.reply(self.context, (RATE, turn)), generation)
            except Exception as e:  # one caller's failure is theirs only
                print("caller %s: reply failed: %s" % (self.name, e), file=sys.stderr)
        self.src.emit("end-of-stream")

    def _play(self, chunks, generation):
        for item in chunks:
            with self.lock:
                if generation != self.generation:
                    chunks.close()
                    return
            if isinstance(item, dict):
                self._send(item)
                continue
            rate, samples = item
            if rate != self.rate:
                self.src.set_property("caps", self._caps(rate))
                self.rate = rate
            self._push(samples, rate, generation)

    def _send(self, message):
        if self.context.get_dialect() == GstSessionCtx.SessionDialect.TWILIO:
            return
        self.server.emit("send-message", self.context, json.dumps(message))
        if not self.quiet and message.get("type") == "reply":
            print("caller %s turn %d: heard %r" % (self.name, message["data"]["turn"],
                                                   message["data"]["heard"]), flush=True)

    def _push(self, samples, rate, generation):
        step = max(1, int(rate * CHUNK_SECONDS))
        now = self.src.get_current_running_time()
        for i in range(0, len(samples), step):
            piece = np.ascontiguousarray(samples[i:i + step], dtype=np.int16)
            with self.lock:
                if generation != self.generation:
                    return
                at = self.next_pts
                if at is None or (now != Gst.CLOCK_TIME_NONE and at < now):
                    at = now if now != Gst.CLOCK_TIME_NONE else 0
                buf = Gst.Buffer.new_wrapped(piece.tobytes())
                buf.pts = at
                buf.duration = Gst.util_uint64_scale_int(len(piece), Gst.SECOND, rate)
                self.next_pts = at + buf.duration
            self.src.emit("push-buffer", buf)


class VoiceAgentServer:
    """sessionbin with a Session per caller and the agent behind them."""

    def __init__(self, server, agent, quiet=False):
        self.server, self.agent, self.quiet = server, agent, quiet
        self.sessions = {}
        self.lock = threading.Lock()
        server.connect("create-handler", self._create)

    def watch(self, bus):
        """Turn-started messages reach the sessions as they are posted (the
        bus's sync emission), before the new turn is held."""
        bus.enable_sync_message_emission()
        bus.connect("sync-message::element", self._on_sync)

    def _create(self, _bin, context):
        s = Session(self.agent, self.server, context, self.quiet)
        with self.lock:
            # Ids are unique among live sessions; a later one replaces the
            # entry of an ended one.
            self.sessions[context.get_id()] = s
        return s.bin

    def _on_sync(self, _bus, msg):
        st = msg.get_structure()
        name = st.get_name()
        if name not in ("turn-started", "session-handler-done"):
            return
        ctx = GstSessionCtx.message_get_session_context(msg)
        if ctx is None:
            return
        with self.lock:
            s = self.sessions.get(ctx.get_id())
            if s is None or s.context != ctx:
                return
            if name == "session-handler-done":
                del self.sessions[ctx.get_id()]
                return
        ok, interrupt = st.get_boolean("interrupt")
        if ok and interrupt:
            s.interrupt()


def main():
    args = sessionapp.parse_args(__doc__)
    pipeline, server = sessionapp.make_server("voice-agent", args)
    tmp = tempfile.TemporaryDirectory()
    recognizers = RecognizerPool(write_grammar(tmp.name))
    server.set_property("rate", RATE)
    agents = VoiceAgentServer(server, Agent(recognizers), args.quiet)
    agents.watch(pipeline.get_bus())
    status = sessionapp.run(
        pipeline, server, args, "voice agent on port %d",
        failure="could not start (port %d in use, or pocketsphinx missing?)",
        sessions=lambda name, session_id: "%s: caller %s" % (name, short_id(session_id or "")))
    recognizers.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
