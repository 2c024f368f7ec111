"""A WebRTC caller for the turn tests (aiortc, Debian's python3-aiortc):
it speaks a given signal (48 kHz int16, 20 ms frames at real-time pace)
over FastRTC's HTTP signalling, opens the "text" data channel as FastRTC's
browser client does, and notes, on the same clock as its sending (seconds
from its first frame), when each RTP packet of what comes back arrived
and each data channel message. Packets, not decoded frames: aiortc's
audio jitter buffer releases a frame only once later packets come, so
the end of a reply would reach its decoder only with the next one.

aiortc never gathers loopback addresses: run it in a private network
namespace (tests/lib/netns.py), the server's ice-addresses its side of
the veth pair."""
import asyncio
import fractions
import json
import time
import urllib.request

import av
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

RATE = 48000
FRAME = 960                 # 20 ms
PACKET_SECONDS = 0.02       # what one Opus packet back carries (960 at 48 kHz)


class Speaker(MediaStreamTrack):
    """@signal (int16 at 48 kHz) in 20 ms frames at real-time pace, then
    silence; t0: when its first frame was taken (monotonic)."""
    kind = "audio"

    def __init__(self, signal):
        super().__init__()
        self.signal = signal
        self.pts = 0
        self.t0 = None

    async def recv(self):
        if self.t0 is None:
            self.t0 = time.monotonic()
        wait = self.t0 + self.pts / RATE - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        chunk = self.signal[self.pts:self.pts + FRAME]
        pcm = chunk.tobytes() + bytes(2 * (FRAME - len(chunk)))
        frame = av.AudioFrame(format="s16", layout="mono", samples=FRAME)
        frame.planes[0].update(pcm)
        frame.sample_rate = RATE
        frame.pts = self.pts
        frame.time_base = fractions.Fraction(1, RATE)
        self.pts += FRAME
        return frame


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


class RtcCaller:
    def __init__(self, ident):
        self.id = ident
        self.rate_in = RATE
        self.packets = []       # (arrival s, sequence number, RTP timestamp)
        self.messages = []      # (arrival s, data channel text)
        self.sent_seconds = 0.0
        self.state = None
        self.error = None

    def __repr__(self):
        return "%s (webrtc)" % self.id

    def bursts(self, gap=0.3):
        """What came back as bursts of packets: [(first arrival s, last
        arrival s, packets)], a new burst after @gap seconds without one."""
        out = []
        for t, _seq, _ts in self.packets:
            if out and t - out[-1][1] <= gap:
                out[-1][1] = t
                out[-1][2] += 1
            else:
                out.append([t, t, 1])
        return [tuple(b) for b in out]

    async def run(self, url, signal, tail=1.0):
        """Speaks @signal, then waits @tail seconds; hangs up."""
        pc = RTCPeerConnection()
        channel = pc.createDataChannel("text")
        speaker = Speaker(signal)

        def now():
            return time.monotonic() - speaker.t0 if speaker.t0 else 0.0

        @channel.on("open")
        def on_open():
            channel.send("handshake")

        @channel.on("message")
        def on_message(message):
            self.messages.append((now(), message))

        @pc.on("track")
        def on_track(track):
            async def drain():
                while True:
                    try:
                        await track.recv()
                    except Exception:
                        return
            asyncio.ensure_future(drain())

        pc.addTrack(speaker)
        for receiver in pc.getReceivers():
            def record(packet, arrival_time_ms, handle=receiver._handle_rtp_packet):
                self.packets.append((now(), packet.sequence_number, packet.timestamp))
                return handle(packet, arrival_time_ms)
            receiver._handle_rtp_packet = record
        await pc.setLocalDescription(await pc.createOffer())
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(None, post, url, {
            "sdp": pc.localDescription.sdp, "type": "offer", "webrtc_id": self.id})
        if answer.get("type") != "answer":
            self.error = answer
            await pc.close()
            return self
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
        for _ in range(500):
            if speaker.t0 is not None:
                break
            await asyncio.sleep(0.02)
        seconds = len(signal) / RATE
        while now() < seconds + tail:
            await asyncio.sleep(0.05)
        self.sent_seconds = seconds
        self.state = pc.connectionState
        await pc.close()
        return self


def run_rtc_callers(url, callers_and_signals, tail=1.0):
    async def all_():
        return await asyncio.gather(*(c.run(url, s, tail) for c, s in callers_and_signals))
    return asyncio.run(all_())
