#!/usr/bin/env python3
"""An independent WebRTC client (aiortc, Debian's python3-aiortc) speaking
FastRTC's HTTP signalling: it streams a sine tone, opens the "text" data
channel and says "handshake" like FastRTC's browser client, and reports the
frequency it hears back as JSON. Exit 0 when it hears its own tone.

aiortc never gathers loopback addresses: run it where another interface
exists (tests/test_aiortc.py builds a private network namespace).

    aiortc_client.py http://127.0.0.1:8080/webrtc/offer --freq 440
"""
import argparse
import asyncio
import fractions
import json
import math
import struct
import sys
import time
import urllib.request
import uuid

import av
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

RATE = 48000
FRAME = 960  # 20 ms


class Tone(MediaStreamTrack):
    kind = "audio"

    def __init__(self, freq):
        super().__init__()
        self.freq = freq
        self.pts = 0
        self.start = None

    async def recv(self):
        if self.start is None:
            self.start = time.time()
        wait = self.start + self.pts / RATE - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        pcm = struct.pack("<%dh" % FRAME, *(
            int(8000 * math.sin(2 * math.pi * self.freq * (self.pts + i) / RATE))
            for i in range(FRAME)))
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


def frequency(pcm):
    samples = struct.unpack("<%dh" % (len(pcm) // 2), pcm)
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
    return crossings * RATE / (2.0 * max(1, len(samples)))


async def run(args):
    webrtc_id = args.id or uuid.uuid4().hex[:12]
    pc = RTCPeerConnection()
    channel = pc.createDataChannel("text")
    messages = []
    received = bytearray()
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)

    @channel.on("open")
    def on_open():
        channel.send("handshake")

    @channel.on("message")
    def on_message(message):
        messages.append(message)

    @pc.on("track")
    def on_track(track):
        async def consume():
            while True:
                try:
                    frame = await track.recv()
                except Exception:
                    return
                for f in resampler.resample(frame):
                    received.extend(bytes(f.planes[0])[:f.samples * 2])
        asyncio.ensure_future(consume())

    pc.addTrack(Tone(args.freq))
    await pc.setLocalDescription(await pc.createOffer())  # gathers everything
    loop = asyncio.get_running_loop()
    answer = await loop.run_in_executor(None, post, args.url, {
        "sdp": pc.localDescription.sdp, "type": "offer", "webrtc_id": webrtc_id})
    if answer.get("type") != "answer":
        print(json.dumps({"id": webrtc_id, "error": answer}))
        await pc.close()
        return False
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    await asyncio.sleep(args.seconds)
    skip = RATE // 2 * 2  # half a second of codec/jitter start-up
    heard = frequency(bytes(received[skip:])) if len(received) > skip * 2 else 0.0
    ports = sorted({int(line.split()[5]) for line in pc.localDescription.sdp.splitlines()
                    if line.startswith("a=candidate:")})
    result = {"id": webrtc_id, "sent_hz": args.freq, "heard_hz": round(heard, 1),
              "samples_back": len(received) // 2, "messages": messages,
              "state": pc.connectionState, "candidate_ports": ports}
    await pc.close()
    print(json.dumps(result))
    return abs(heard - args.freq) < args.freq * 0.05


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--id")
    parser.add_argument("--freq", type=float, default=440.0)
    parser.add_argument("--seconds", type=float, default=3.0)
    sys.exit(0 if asyncio.run(run(parser.parse_args())) else 1)


if __name__ == "__main__":
    main()
