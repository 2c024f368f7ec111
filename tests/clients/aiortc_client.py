#!/usr/bin/env python3
"""An independent WebRTC client (aiortc, Debian's python3-aiortc) speaking
FastRTC's HTTP signalling: it streams a sine tone, opens the "text" data
channel and says "handshake" like FastRTC's browser client, and reports the
frequency it hears back as JSON. Exit 0 when it hears its own tone.

With --stall-every, its event loop is blocked for --stall-ms every so many
seconds (nothing sent or received meanwhile; its tone catches up after, a
burst), as a busy client's is. It also reports the RMS of what it heard in
the last --tail seconds, whether aiortc's audio decoder thread is still
alive (a run of packets with one RTP timestamp can kill it) and how the RTP
timestamps it got stepped.

With --video RRGGBB it also sends a camera of that one colour (320x240,
aiortc's 30 frames a second) and reports the video it gets back: frames,
their rate in the last --tail seconds, the colour at the centre of the last
picture, whether its video decoder thread is alive, how the frames' RTP
timestamps stepped.

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
from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription, VideoStreamTrack

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


class Colour(VideoStreamTrack):
    """A camera that sees one colour."""

    def __init__(self, rgb):
        super().__init__()
        import numpy
        self.image = numpy.zeros((240, 320, 3), dtype=numpy.uint8)
        self.image[:, :] = rgb

    async def recv(self):
        pts, time_base = await self.next_timestamp()
        frame = av.VideoFrame.from_ndarray(self.image, format="rgb24")
        frame.pts = pts
        frame.time_base = time_base
        return frame


def frame_steps(timestamps):
    """How the RTP timestamps of the video frames that came back (one per
    frame: consecutive packets of a frame share one) step: forward,
    backwards, a timestamp seen before, the least and the most step."""
    frames = [ts for i, ts in enumerate(timestamps) if i == 0 or ts != timestamps[i - 1]]
    steps = [(b - a + (1 << 31)) % (1 << 32) - (1 << 31) for a, b in zip(frames, frames[1:])]
    return {"frames": len(frames), "backwards": sum(1 for d in steps if d < 0),
            "repeated": len(frames) - len(set(frames)),
            "min_step": min(steps) if steps else 0, "max_step": max(steps) if steps else 0}


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def frequency(pcm):
    samples = struct.unpack("<%dh" % (len(pcm) // 2), pcm)
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
    return crossings * RATE / (2.0 * max(1, len(samples)))


def rtp_steps(packets):
    """How the RTP timestamps of @packets ((sequence number, timestamp), as
    they came) step: exactly 20 ms (960 per sequence number), a jump
    forward, less, not at all (equal), backwards; the longest run of one
    timestamp."""
    steps = {"packets": len(packets), "exact": 0, "jumps": 0, "shorter": 0, "equal": 0,
             "backwards": 0, "longest_equal_run": 1 if packets else 0}
    run = 1
    for (seq0, ts0), (seq1, ts1) in zip(packets, packets[1:]):
        d = (ts1 - ts0 + (1 << 31)) % (1 << 32) - (1 << 31)
        k = (seq1 - seq0) % (1 << 16)
        run = run + 1 if d == 0 else 1
        steps["longest_equal_run"] = max(steps["longest_equal_run"], run)
        key = ("exact" if d == 960 * k else "jumps" if d > 960 * k else "shorter" if d > 0
               else "equal" if d == 0 else "backwards")
        steps[key] += 1
    return steps


async def run(args):
    webrtc_id = args.id or uuid.uuid4().hex[:12]
    pc = RTCPeerConnection()
    channel = pc.createDataChannel("text")
    messages = []
    received = bytearray()
    heard_at = []  # (monotonic time, sum of squares, samples) per frame
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)

    @channel.on("open")
    def on_open():
        channel.send("handshake")

    @channel.on("message")
    def on_message(message):
        messages.append(message)

    pictures = []  # monotonic time of each frame that came back
    centre = []

    @pc.on("track")
    def on_track(track):
        if track.kind == "video":
            async def watch():
                while True:
                    try:
                        frame = await track.recv()
                    except Exception:
                        return
                    pictures.append(time.monotonic())
                    if len(pictures) % 10 == 1:
                        image = frame.to_ndarray(format="rgb24")
                        centre[:] = [int(c) for c in image[image.shape[0] // 2,
                                                          image.shape[1] // 2]]
            asyncio.ensure_future(watch())
            return

        async def consume():
            while True:
                try:
                    frame = await track.recv()
                except Exception:
                    return
                for f in resampler.resample(frame):
                    pcm = bytes(f.planes[0])[:f.samples * 2]
                    received.extend(pcm)
                    samples = struct.unpack("<%dh" % f.samples, pcm)
                    heard_at.append((time.monotonic(), sum(x * x for x in samples),
                                     f.samples))
        asyncio.ensure_future(consume())

    pc.addTrack(Tone(args.freq))
    if args.video:
        pc.addTrack(Colour(tuple(bytes.fromhex(args.video))))
    # The RTP timestamps of what comes back, as aiortc's receivers get them.
    rtp = []
    video_rtp = []
    for transceiver in pc.getTransceivers():
        receiver = transceiver.receiver
        if transceiver.kind == "video":
            def record(packet, arrival_time_ms, handle=receiver._handle_rtp_packet):
                video_rtp.append(packet.timestamp)
                return handle(packet, arrival_time_ms)
        else:
            def record(packet, arrival_time_ms, handle=receiver._handle_rtp_packet):
                rtp.append((packet.sequence_number, packet.timestamp))
                return handle(packet, arrival_time_ms)
        receiver._handle_rtp_packet = record
    await pc.setLocalDescription(await pc.createOffer())  # gathers everything
    loop = asyncio.get_running_loop()
    answer = await loop.run_in_executor(None, post, args.url, {
        "sdp": pc.localDescription.sdp, "type": "offer", "webrtc_id": webrtc_id})
    if answer.get("type") != "answer":
        print(json.dumps({"id": webrtc_id, "error": answer}))
        await pc.close()
        return False
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type="answer"))
    stalls = []

    async def stall():
        while True:
            await asyncio.sleep(args.stall_every)
            stalls.append(time.monotonic())
            time.sleep(args.stall_ms / 1000.0)  # blocks the event loop

    staller = asyncio.ensure_future(stall()) if args.stall_every > 0 else None
    await asyncio.sleep(args.seconds)
    if staller:
        staller.cancel()
    end = time.monotonic()
    tail = [(sq, n) for t, sq, n in heard_at if t > end - args.tail]
    tail_samples = sum(n for _sq, n in tail)
    tail_rms = math.sqrt(sum(sq for sq, _n in tail) / tail_samples) if tail_samples else 0.0
    # aiortc 1.4's receiver keeps its decoder thread private.
    def decoders_alive(kind):
        decoders = [getattr(r, "_RTCRtpReceiver__decoder_thread", None)
                    for r in pc.getReceivers() if r.track and r.track.kind == kind]
        return bool(decoders) and all(d is not None and d.is_alive() for d in decoders)
    decoder_alive = decoders_alive("audio")
    skip = RATE // 2 * 2  # half a second of codec/jitter start-up
    heard = frequency(bytes(received[skip:])) if len(received) > skip * 2 else 0.0
    ports = sorted({int(line.split()[5]) for line in pc.localDescription.sdp.splitlines()
                    if line.startswith("a=candidate:")})
    result = {"id": webrtc_id, "sent_hz": args.freq, "heard_hz": round(heard, 1),
              "samples_back": len(received) // 2, "messages": messages,
              "state": pc.connectionState, "candidate_ports": ports,
              "stalls": len(stalls), "tail_seconds": args.tail,
              "tail_samples": tail_samples, "tail_rms": round(tail_rms, 1),
              "decoder_alive": decoder_alive, "rtp": rtp_steps(rtp)}
    if args.video:
        result.update({
            "video_sent": args.video, "video_frames": len(pictures),
            "video_tail_fps": round(sum(1 for t in pictures if t > end - args.tail)
                                    / args.tail, 1),
            "video_centre": centre, "video_decoder_alive": decoders_alive("video"),
            "video_rtp": frame_steps(video_rtp)})
    await pc.close()
    print(json.dumps(result))
    return abs(heard - args.freq) < args.freq * 0.05


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--id")
    parser.add_argument("--freq", type=float, default=440.0)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--stall-every", type=float, default=0.0,
                        help="block the event loop every so many seconds (0: never)")
    parser.add_argument("--stall-ms", type=float, default=250.0)
    parser.add_argument("--tail", type=float, default=2.0,
                        help="seconds at the end whose audio tail_rms measures")
    parser.add_argument("--video", metavar="RRGGBB",
                        help="also send a camera of this one colour")
    sys.exit(0 if asyncio.run(run(parser.parse_args())) else 1)


if __name__ == "__main__":
    main()
