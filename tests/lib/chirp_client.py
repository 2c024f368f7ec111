"""A WebSocket client that sends exactly SECONDS of a chirp in 20 ms frames
at real-time pace, in either dialect and every media mode, and decodes what
comes back; run_clients() runs several at once. Shared by
tests/test_no_audio_lost.py and tests/test_max_latency.py."""
import asyncio
import json

import numpy as np
import websockets

import wsdialect
from wsdialect import TWILIO_RATE  # noqa: F401 (test_no_audio_lost's)

SECONDS = 3
FRAMES_PER_SECOND = 50
PIPELINE_RATE = 48000        # sessionsrc's rate default


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
        total = SECONDS * self.rate_in
        block = self.rate_in // FRAMES_PER_SECOND
        signal = np.round(chirp(self.rate_in, total, self.top)).astype(np.int16)
        async with websockets.connect(wsdialect.url(port, self.dialect), max_size=None) as ws:
            await wsdialect.begin(ws, self.dialect, self.id, self.media)

            async def receive():
                try:
                    async for message in ws:
                        pcm, _other = wsdialect.received(message, self.media)
                        if pcm is not None:
                            self.frames.append(pcm)
                except websockets.ConnectionClosed:
                    pass

            receiver = asyncio.create_task(receive())
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            for seq, start in enumerate(range(0, total, block)):
                await ws.send(wsdialect.frame(self.dialect, self.media, self.id,
                                              signal[start:start + block], seq,
                                              start * 1000 // self.rate_in))
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
