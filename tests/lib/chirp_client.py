"""A WebSocket client that sends exactly SECONDS of a chirp in 20 ms frames
at real-time pace, in either dialect and every media mode, and decodes what
comes back; run_clients() runs several at once. Shared by
tests/test_no_audio_lost.py and tests/test_max_latency.py."""
import asyncio
import base64
import json
import warnings

import numpy as np
import websockets

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # noqa: E402  (deprecated in 3.11, still the stdlib G.711)

SECONDS = 3
FRAMES_PER_SECOND = 50
PIPELINE_RATE = 48000        # sessionsrc's rate default
TWILIO_RATE = 8000


def chirp(rate, count, top):
    """@count samples at @rate of a linear chirp from 100 Hz to @top Hz
    over SECONDS, amplitude 8000: the same curve at any rate, and its
    cross-correlation has one sharp peak."""
    t = np.arange(count) / rate
    f0, k = 100.0, (top - 100.0) / SECONDS
    return 8000.0 * np.sin(2 * np.pi * (f0 * t + 0.5 * k * t * t))


class Client:
    """One session: its rates, what it sent and what came back."""

    def __init__(self, ident, dialect, rate_in, rate_out, media):
        self.id = ident
        self.dialect = dialect
        self.rate_in = rate_in
        self.rate_out = rate_out
        self.media = media          # "json", "mulaw" or "s16le" (binary)
        # Below every Nyquist the audio passes on its way (in, pipeline, out).
        self.top = 0.3 * min(rate_in, rate_out, PIPELINE_RATE)
        self.frames = []            # decoded S16 arrays, as they came
        self.close_code = None

    def __repr__(self):
        return "%s (%s %s, %d -> %d Hz)" % (self.id, self.dialect, self.media,
                                            self.rate_in, self.rate_out)

    @property
    def pcm(self):
        return np.concatenate(self.frames) if self.frames else np.zeros(0, np.int16)

    async def run(self, port):
        twilio = self.dialect == "twilio"
        path = "/telephone/handler" if twilio else "/websocket/offer"
        total = SECONDS * self.rate_in
        block = self.rate_in // FRAMES_PER_SECOND
        signal = np.round(chirp(self.rate_in, total, self.top)).astype(np.int16)
        async with websockets.connect("ws://127.0.0.1:%d%s" % (port, path),
                                      max_size=None) as ws:
            if twilio:
                await ws.send(json.dumps({
                    "event": "start", "sequenceNumber": "1", "streamSid": self.id,
                    "start": {"accountSid": "ACtest", "streamSid": self.id, "callSid": "CAt",
                              "tracks": ["inbound"], "customParameters": {},
                              "mediaFormat": {"encoding": "audio/x-mulaw",
                                              "sampleRate": TWILIO_RATE, "channels": 1}}}))
            else:
                await ws.send(json.dumps({"event": "start", "websocket_id": self.id}))
            binary = self.media != "json"
            if binary:
                await ws.send(json.dumps({"event": "binary_media", "encoding": self.media}))
                while json.loads(await ws.recv()).get("event") != "binary_media":
                    pass

            async def receive():
                try:
                    async for message in ws:
                        if isinstance(message, bytes):
                            raw = message if self.media == "s16le" else \
                                audioop.ulaw2lin(message, 2)
                        else:
                            data = json.loads(message)
                            if data.get("event") != "media":
                                continue
                            raw = audioop.ulaw2lin(base64.b64decode(data["media"]["payload"]), 2)
                        self.frames.append(np.frombuffer(raw, dtype=np.int16))
                except websockets.ConnectionClosed:
                    pass

            receiver = asyncio.create_task(receive())
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            for seq, start in enumerate(range(0, total, block)):
                pcm = signal[start:start + block]
                wire = pcm.tobytes() if self.media == "s16le" else \
                    audioop.lin2ulaw(pcm.tobytes(), 2)
                if binary:
                    await ws.send(wire)
                elif twilio:
                    await ws.send(json.dumps({
                        "event": "media", "sequenceNumber": str(seq + 2), "streamSid": self.id,
                        "media": {"track": "inbound", "chunk": str(seq + 1),
                                  "timestamp": str(start * 1000 // self.rate_in),
                                  "payload": base64.b64encode(wire).decode()}}))
                else:
                    await ws.send(json.dumps({"event": "media", "media": {
                        "payload": base64.b64encode(wire).decode()}}))
                await asyncio.sleep(max(0.0, t0 + (start + block) / self.rate_in - loop.time()))
            # Stop right after the last frame: the close waits for the echo.
            await ws.send(json.dumps({"event": "stop", "streamSid": self.id} if twilio
                                     else {"event": "stop"}))
            try:
                await asyncio.wait_for(receiver, 10)
            except asyncio.TimeoutError:
                receiver.cancel()
            self.close_code = ws.close_code


def run_clients(port, clients):
    async def all_():
        await asyncio.gather(*(c.run(port) for c in clients))
    asyncio.run(all_())
