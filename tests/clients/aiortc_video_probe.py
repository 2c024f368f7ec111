#!/usr/bin/env python3
"""An independent WebRTC client (aiortc, Debian's python3-aiortc) that sends
a flat-colour picture and a sine tone through FastRTC's HTTP signalling and
keeps what comes back: the last pictures (RGB, as aiortc decodes them) in a
.npz file, and a JSON line with the frame count and rate, the picture size
and the frequency of the audio it heard. Exit 0 when it got pictures and
heard its tone; the caller judges the pictures.

aiortc never gathers loopback addresses: run it where another interface
exists (tests/test_video_handler.py builds a private network namespace).

    aiortc_video_probe.py http://127.0.0.1:8080/webrtc/offer --id alice \\
        --colour 128,128,128 --freq 440 --save alice.npz
"""
import argparse
import asyncio
import fractions
import json
import math
import sys
import time
import urllib.request
import uuid

import av
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription

RATE = 48000
FRAME = 960  # 20 ms of audio
VIDEO_CLOCK = 90000


class Paced(MediaStreamTrack):
    """A track whose recv() waits until its next frame is due."""

    def __init__(self, clock_rate, step):
        super().__init__()
        self.clock_rate = clock_rate
        self.step = step
        self.pts = 0
        self.start = None

    async def due(self):
        if self.start is None:
            self.start = time.time()
        wait = self.start + self.pts / self.clock_rate - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        pts = self.pts
        self.pts += self.step
        return pts


class Tone(Paced):
    kind = "audio"

    def __init__(self, freq):
        super().__init__(RATE, FRAME)
        self.freq = freq

    async def recv(self):
        pts = await self.due()
        t = (pts + np.arange(FRAME)) / RATE
        pcm = (8000 * np.sin(2 * math.pi * self.freq * t)).astype("<i2")
        frame = av.AudioFrame(format="s16", layout="mono", samples=FRAME)
        frame.planes[0].update(pcm.tobytes())
        frame.sample_rate = RATE
        frame.pts = pts
        frame.time_base = fractions.Fraction(1, RATE)
        return frame


class FlatPicture(Paced):
    kind = "video"

    def __init__(self, colour, width, height, fps):
        super().__init__(VIDEO_CLOCK, VIDEO_CLOCK // fps)
        self.picture = np.empty((height, width, 3), dtype=np.uint8)
        self.picture[:, :] = colour

    async def recv(self):
        pts = await self.due()
        frame = av.VideoFrame.from_ndarray(self.picture, format="rgb24")
        frame.pts = pts
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK)
        return frame


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def frequency(pcm):
    """The frequency of @pcm (int16 array at RATE) by its zero crossings."""
    signs = np.signbit(pcm.astype(np.int32))
    crossings = int(np.count_nonzero(signs[1:] != signs[:-1]))
    return crossings * RATE / (2.0 * max(1, len(pcm)))


async def run(args):
    webrtc_id = args.id or uuid.uuid4().hex[:12]
    colour = tuple(int(c) for c in args.colour.split(","))
    pc = RTCPeerConnection()
    channel = pc.createDataChannel("text")
    pictures = []      # (arrival time, RGB array), the last --keep
    arrivals = []      # arrival time of every picture
    sizes = set()
    audio = []
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    consumers = []

    @channel.on("open")
    def on_open():
        channel.send("handshake")

    @pc.on("track")
    def on_track(track):
        async def consume():
            while True:
                try:
                    frame = await track.recv()
                except Exception:  # noqa: BLE001  the track ended
                    return
                now = time.monotonic()
                if track.kind == "video":
                    rgb = frame.to_ndarray(format="rgb24")
                    arrivals.append(now)
                    sizes.add("%dx%d" % (rgb.shape[1], rgb.shape[0]))
                    pictures.append(rgb)
                    del pictures[:-args.keep]
                else:
                    for f in resampler.resample(frame):
                        audio.append(np.frombuffer(bytes(f.planes[0])[:f.samples * 2],
                                                   dtype="<i2"))
        consumers.append(asyncio.ensure_future(consume()))

    pc.addTrack(Tone(args.freq))
    pc.addTrack(FlatPicture(colour, args.width, args.height, args.fps))
    started = time.monotonic()
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
    end = time.monotonic()
    state = pc.connectionState
    await pc.close()
    for c in consumers:
        c.cancel()

    pcm = np.concatenate(audio) if audio else np.zeros(0, dtype="<i2")
    skip = RATE // 2  # codec and jitter buffer start-up
    heard = frequency(pcm[skip:]) if len(pcm) > 2 * skip else 0.0
    # The rate of the last --rate-window seconds, when pictures came that long.
    window = [t for t in arrivals if t > end - args.rate_window]
    fps_back = len(window) / args.rate_window if arrivals and arrivals[0] < end - args.rate_window \
        else 0.0
    if args.save and pictures:
        np.savez_compressed(args.save, pictures=np.stack(pictures))
    result = {"id": webrtc_id, "colour": colour, "state": state,
              "frames_back": len(arrivals), "first_frame_s": round(arrivals[0] - started, 3)
              if arrivals else None, "fps_back": round(fps_back, 2), "sizes": sorted(sizes),
              "kept": len(pictures), "sent_hz": args.freq, "heard_hz": round(heard, 1),
              "samples_back": int(len(pcm))}
    print(json.dumps(result))
    return bool(pictures) and abs(heard - args.freq) < args.freq * 0.05


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--id")
    parser.add_argument("--colour", default="128,128,128", help="R,G,B of the picture sent")
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--fps", type=int, default=15)
    parser.add_argument("--freq", type=float, default=440.0)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--keep", type=int, default=15, help="how many of the last pictures to save")
    parser.add_argument("--rate-window", type=float, default=3.0,
                        help="seconds at the end whose pictures fps_back counts")
    parser.add_argument("--save", help=".npz file for the last pictures (array `pictures`)")
    sys.exit(0 if asyncio.run(run(parser.parse_args())) else 1)


if __name__ == "__main__":
    main()
