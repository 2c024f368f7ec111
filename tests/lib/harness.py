"""The in-process harness of the Python tests (test_sessionbin.py,
test_no_audio_lost.py, test_max_latency.py): a pipeline whose bus a thread
reads, real WebSocket clients (FastRTC JSON or binary media, Twilio) that
stream a tone at real-time pace and decode what comes back, and the
measures the cases assert on."""
import asyncio
import base64
import json
import os
import threading
import time
import warnings

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSessionCtx", "1.0")
from gi.repository import Gst, GstSessionCtx  # noqa: E402

import numpy as np  # noqa: E402
import websockets  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # noqa: E402  (deprecated in 3.11, still the stdlib G.711)

Gst.init(None)

FRAME_SECONDS = 0.02
TWILIO_RATE = 8000
FASTRTC_INPUT_RATE = 48000   # sessionsrc's websocket-input-rate default
FASTRTC_OUTPUT_RATE = 24000  # and websocket-output-rate

# Only these reach the test's list (state changes of 500 sessions' elements
# would make every wait slow).
KEPT = (Gst.MessageType.ELEMENT | Gst.MessageType.ERROR | Gst.MessageType.WARNING
        | Gst.MessageType.EOS)


class Pipeline:
    """A pipeline holding the server (a sessionbin, or a sessionsrc in a
    launch line), with its bus read by a thread into `messages`."""

    def __init__(self, pipeline, server):
        self.pipeline = pipeline
        self.server = server
        self.port = None
        self.messages = []
        self.cond = threading.Condition()
        self.running = True
        self.thread = threading.Thread(target=self._read_bus, daemon=True)
        self.thread.start()

    @classmethod
    def sessionbin(cls, handler=None, create_handler=None, **props):
        pipeline = Gst.Pipeline.new("test")
        sb = Gst.ElementFactory.make("sessionbin", "sb")
        sb.set_property("port", 0)
        sb.set_property("address", "127.0.0.1")
        if handler is not None:
            sb.set_property("handler", handler)
        for name, value in props.items():
            sb.set_property(name.replace("_", "-"), value)
        if create_handler is not None:
            sb.connect("create-handler", create_handler)
        pipeline.add(sb)
        return cls(pipeline, sb)

    @classmethod
    def launch(cls, description):
        """@description names its sessionsrc `server`."""
        pipeline = Gst.parse_launch(description)
        return cls(pipeline, pipeline.get_by_name("server"))

    def start(self):
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise RuntimeError("the pipeline does not start: %s" % self.errors())
        self.pipeline.get_state(5 * Gst.SECOND)
        self.port = self.server.props.port
        return self

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)
        self.running = False
        self.thread.join()

    def _read_bus(self):
        bus = self.pipeline.get_bus()
        while self.running:
            msg = bus.timed_pop_filtered(50 * Gst.MSECOND, KEPT)
            if msg is None:
                continue
            with self.cond:
                self.messages.append(msg)
                self.cond.notify_all()

    def wait(self, predicate, timeout):
        """True once predicate(self) holds (checked on every message)."""
        with self.cond:
            return self.cond.wait_for(lambda: predicate(self), timeout)

    def snapshot(self):
        with self.cond:
            return list(self.messages)

    def element_messages(self, name):
        return [m for m in self.snapshot() if m.type == Gst.MessageType.ELEMENT
                and m.get_structure().get_name() == name]

    def handler_done(self):
        """[(session-id, result)] of every session-handler-done so far."""
        out = []
        for m in self.element_messages("session-handler-done"):
            s = m.get_structure()
            out.append((s.get_string("session-id"), s.get_string("result")))
        return out

    def ended(self):
        """{session id: end reason}"""
        out = {}
        for m in self.element_messages("session-ended"):
            ok, ctx, reason, _stats = GstSessionCtx.message_parse_session_ended(m)
            if ok:
                out[ctx.get_id()] = reason
        return out

    def errors(self):
        out = []
        for m in self.snapshot():
            if m.type == Gst.MessageType.ERROR:
                err, debug = m.parse_error()
                out.append("%s: %s" % (m.src.get_name() if m.src else "?", err.message))
        return out

    def warnings(self):
        """[(text, details structure or None)]"""
        out = []
        for m in self.snapshot():
            if m.type == Gst.MessageType.WARNING:
                err, _debug = m.parse_warning()
                out.append((err.message, m.parse_warning_details()))
        return out


def elements(bin_):
    """Every element inside @bin_, recursively."""
    it = bin_.iterate_recurse()
    out = []
    while True:
        res, elem = it.next()
        if res == Gst.IteratorResult.OK:
            out.append(elem)
        elif res == Gst.IteratorResult.RESYNC:
            it.resync()
            out = []
        elif res == Gst.IteratorResult.DONE:
            return out
        else:
            raise RuntimeError("iterating %s failed" % bin_.get_name())


def factory_names(bin_):
    return [e.get_factory().get_name() if e.get_factory() else type(e).__name__
            for e in elements(bin_)]


def open_fds():
    return len(os.listdir("/proc/self/fd"))


def threads():
    return len(os.listdir("/proc/self/task"))


def thread_ids(name):
    """The ids of this process's threads named @name."""
    out = []
    for task in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/comm" % task) as f:
                if f.read().strip() == name:
                    out.append(int(task))
        except OSError:
            continue
    return out


def thread_names():
    """{name: count} of this process's threads."""
    out = {}
    for task in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/comm" % task) as f:
                name = f.read().strip()
        except OSError:
            continue
        out[name] = out.get(name, 0) + 1
    return out


# ---------------------------------------------------------------------------
# Clients


def tone(freq, rate, start, count, amplitude):
    """S16 samples of a sine (zeros when @freq is None: digital silence)."""
    if freq is None:
        return np.zeros(count, dtype=np.int16)
    n = np.arange(start, start + count)
    return np.round(amplitude * np.sin(2 * np.pi * freq * n / rate)).astype(np.int16)


class Result:
    def __init__(self, ident, rate_in, rate_out):
        self.id = ident
        self.rate_in = rate_in
        self.rate_out = rate_out
        self.sent = 0              # samples sent
        self.sent_payload = bytearray()  # what went on the wire (µ-law or s16le)
        self.received = bytearray()  # decoded S16
        self.binary_frames = 0
        self.json_media_after_binary = 0
        self.replies = []          # every JSON message other than media
        self.closed_early = False  # the server closed while we were sending
        self.close_code = None

    @property
    def pcm(self):
        return np.frombuffer(bytes(self.received), dtype=np.int16)

    def failed_replies(self):
        return [r for r in self.replies if r.get("status") == "failed"]

    def __repr__(self):
        return "%s: sent %d, got %d samples, replies %s, close %s%s" % (
            self.id, self.sent, len(self.received) // 2, self.replies, self.close_code,
            " (early)" if self.closed_early else "")


async def stream(port, ident, dialect="fastrtc", freq=1000.0, amplitude=20000, seconds=2.0,
                 binary=None, tail=0.5, frames=None, realtime=True, on_started=None):
    """One client: start, @seconds of a tone (silence when @freq is None) in
    20 ms frames, then stop. The server closes the WebSocket right after
    `stop`, so the echo still in flight when it arrives is lost: the client
    waits @tail seconds for it before sending `stop`."""
    twilio = dialect == "twilio"
    rate_in = TWILIO_RATE if twilio else FASTRTC_INPUT_RATE
    rate_out = TWILIO_RATE if twilio else FASTRTC_OUTPUT_RATE
    res = Result(ident, rate_in, rate_out)
    block = int(rate_in * FRAME_SECONDS)
    total = frames * block if frames is not None else int(seconds * rate_in)
    path = "/telephone/handler" if twilio else "/websocket/offer"
    async with websockets.connect("ws://127.0.0.1:%d%s" % (port, path),
                                  max_size=None) as ws:
        if twilio:
            await ws.send(json.dumps({"event": "connected", "protocol": "Call",
                                      "version": "1.0.0"}))
            await ws.send(json.dumps({
                "event": "start", "sequenceNumber": "1", "streamSid": ident,
                "start": {"accountSid": "ACtest", "streamSid": ident, "callSid": "CAtest",
                          "tracks": ["inbound"], "customParameters": {},
                          "mediaFormat": {"encoding": "audio/x-mulaw",
                                          "sampleRate": 8000, "channels": 1}}}))
        else:
            await ws.send(json.dumps({"event": "start", "websocket_id": ident}))
        if binary:
            await ws.send(json.dumps({"event": "binary_media", "encoding": binary}))
            while True:
                answer = json.loads(await ws.recv())
                res.replies.append(answer)
                if answer.get("event") == "binary_media":
                    break
        if on_started:
            on_started(res)

        async def receive():
            try:
                async for message in ws:
                    if isinstance(message, bytes):
                        res.binary_frames += 1
                        res.received.extend(message if binary == "s16le"
                                            else audioop.ulaw2lin(message, 2))
                        continue
                    data = json.loads(message)
                    if data.get("event") == "media":
                        if binary:
                            res.json_media_after_binary += 1
                        res.received.extend(audioop.ulaw2lin(
                            base64.b64decode(data["media"]["payload"]), 2))
                    else:
                        res.replies.append(data)
            except websockets.ConnectionClosed:
                pass

        receiver = asyncio.create_task(receive())
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        seq = 2
        try:
            while res.sent < total:
                pcm = tone(freq, rate_in, res.sent, min(block, total - res.sent), amplitude)
                if binary == "s16le":
                    wire = pcm.tobytes()
                else:
                    wire = audioop.lin2ulaw(pcm.tobytes(), 2)
                if binary:
                    await ws.send(wire)
                else:
                    payload = base64.b64encode(wire).decode()
                    if twilio:
                        msg = {"event": "media", "sequenceNumber": str(seq), "streamSid": ident,
                               "media": {"track": "inbound", "chunk": str(seq - 1),
                                         "timestamp": str(res.sent * 1000 // rate_in),
                                         "payload": payload}}
                    else:
                        msg = {"event": "media", "media": {"payload": payload}}
                    await ws.send(json.dumps(msg))
                res.sent_payload.extend(wire)
                res.sent += len(pcm)
                seq += 1
                if realtime:
                    delay = t0 + res.sent / rate_in - loop.time()
                    await asyncio.sleep(max(0.0, delay))
            if tail:
                await asyncio.sleep(tail)
            if twilio:
                await ws.send(json.dumps({"event": "stop", "sequenceNumber": str(seq),
                                          "streamSid": ident,
                                          "stop": {"accountSid": "ACtest",
                                                   "callSid": "CAtest"}}))
            else:
                await ws.send(json.dumps({"event": "stop"}))
        except websockets.ConnectionClosed:
            res.closed_early = True
        try:
            await asyncio.wait_for(receiver, 10)
        except asyncio.TimeoutError:
            receiver.cancel()
        res.close_code = ws.close_code
    return res


def run_clients(port, specs, also=None):
    """Runs the clients of @specs (dicts of stream()'s arguments, `id`
    among them) at once; @also: more coroutines beside them. Their
    results, in order."""
    async def all_():
        tasks = [stream(port, spec.pop("id"), **spec) for spec in [dict(s) for s in specs]]
        return await asyncio.gather(*tasks, *(also or []))
    return asyncio.run(all_())[:len(specs)]


# ---------------------------------------------------------------------------
# Measures


def steady(pcm, rate, skip=0.1):
    """@pcm without its first and last @skip seconds (filter start-up)."""
    n = int(rate * skip)
    return pcm[n:len(pcm) - n] if len(pcm) > 4 * n else pcm[:0]


def spectrum(pcm, rate):
    x = pcm.astype(np.float64)
    power = np.abs(np.fft.rfft(x * np.hanning(len(x)))) ** 2
    return np.fft.rfftfreq(len(x), 1.0 / rate), power


def dominant(pcm, rate):
    if len(pcm) < 64:
        return 0.0
    freqs, power = spectrum(pcm, rate)
    power[0] = 0
    return float(freqs[int(np.argmax(power))])


def band_ratio(pcm, rate, freq, reference, width=15.0):
    """Power within ±@width Hz of @freq relative to that around @reference."""
    freqs, power = spectrum(pcm, rate)

    def band(f):
        return float(power[(freqs > f - width) & (freqs < f + width)].sum())
    return band(freq) / max(band(reference), 1e-30)


def rms(pcm):
    return float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2))) if len(pcm) else 0.0


def sanitize(value):
    """The documented rule, written independently: each character (code
    point) outside [A-Za-z0-9_-] becomes one '_'."""
    return "".join(c if (c.isascii() and (c.isalnum() or c in "_-")) else "_"
                   for c in value)


def wait_until(predicate, timeout, step=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
