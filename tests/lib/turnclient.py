"""A caller for the turn detection tests: a real WebSocket client (FastRTC
JSON or binary media, or Twilio) that sends a given signal in 20 ms frames
at real-time pace and notes when each frame of what comes back arrived,
on the same clock as its sending (seconds from its first frame)."""
import asyncio
import json

import numpy as np
import websockets

import wsdialect
from wsdialect import TWILIO_RATE
FASTRTC_INPUT_RATE = 48000   # sessionsrc's websocket-input-rate default
FASTRTC_OUTPUT_RATE = 24000  # and websocket-output-rate


class Caller:
    def __init__(self, ident, dialect="fastrtc", media="json"):
        self.id = ident
        self.dialect = dialect
        self.media = media            # "json", or "s16le" / "mulaw" (binary)
        twilio = dialect == "twilio"
        self.rate_in = TWILIO_RATE if twilio else FASTRTC_INPUT_RATE
        self.rate_out = TWILIO_RATE if twilio else FASTRTC_OUTPUT_RATE
        self.received = []            # (arrival s, int16 samples)
        self.events = []              # (arrival s, JSON message), not media
        self.sent_seconds = 0.0
        self.close_code = None

    def __repr__(self):
        return "%s (%s %s)" % (self.id, self.dialect, self.media)

    @property
    def pcm(self):
        return (np.concatenate([s for _t, s in self.received]) if self.received
                else np.zeros(0, np.int16))

    def events_named(self, event):
        """[arrival s] of the JSON messages whose "event" is @event
        (Twilio's "clear", "mark")."""
        return [t for t, data in self.events if data.get("event") == event]

    def bursts(self, gap=0.3):
        """What came back as bursts: [(first arrival s, last arrival s,
        int16 samples)], a new burst after @gap seconds without a frame."""
        out = []
        for t, s in self.received:
            if out and t - out[-1][1] <= gap:
                out[-1][1] = t
                out[-1][2].append(s)
            else:
                out.append([t, t, [s]])
        return [(a, b, np.concatenate(parts)) for a, b, parts in out]

    async def run(self, port, signal, tail=1.0):
        """Sends @signal (int16 at rate_in), then waits @tail seconds for
        what is still coming back before `stop`."""
        twilio = self.dialect == "twilio"
        block = self.rate_in // 50
        async with websockets.connect(wsdialect.url(port, self.dialect), max_size=None) as ws:
            await wsdialect.begin(ws, self.dialect, self.id, self.media)
            loop = asyncio.get_running_loop()
            t0 = loop.time()

            async def receive():
                try:
                    async for message in ws:
                        now = loop.time() - t0
                        pcm, other = wsdialect.received(message, self.media)
                        if pcm is None:
                            self.events.append((now, other))
                        else:
                            self.received.append((now, pcm))
                except websockets.ConnectionClosed:
                    pass

            receiver = asyncio.create_task(receive())
            seq = 2
            sent = 0
            while sent < len(signal):
                pcm = signal[sent:sent + block]
                await ws.send(wsdialect.frame(self.dialect, self.media, self.id, pcm, seq - 2,
                                              sent * 1000 // self.rate_in))
                sent += len(pcm)
                seq += 1
                await asyncio.sleep(max(0.0, t0 + sent / self.rate_in - loop.time()))
            self.sent_seconds = sent / self.rate_in
            await asyncio.sleep(tail)
            await ws.send(json.dumps({"event": "stop"} if not twilio else
                                     {"event": "stop", "sequenceNumber": str(seq),
                                      "streamSid": self.id,
                                      "stop": {"accountSid": "ACtest", "callSid": "CAt"}}))
            try:
                await asyncio.wait_for(receiver, 10)
            except asyncio.TimeoutError:
                receiver.cancel()
            self.close_code = ws.close_code
        return self


def run_callers(port, callers_and_signals, tail=1.0):
    async def all_():
        return await asyncio.gather(*(c.run(port, s, tail) for c, s in callers_and_signals))
    return asyncio.run(all_())
