#!/usr/bin/env python3
"""A FastRTC / Twilio WebSocket audio client, independent of gst-sessionctx.

Written the way FastRTC's documentation writes a WebSocket client: the
`websockets` package, a `start` message carrying the client's id, then µ-law
audio (audioop.lin2ulaw) base64-encoded in `media` messages. It streams a sine
tone, decodes what the server sends back and reports, as JSON on stdout, the
dominant frequency it heard. Exit status 0 when the echo carries our tone.

    fastrtc_ws_client.py ws://127.0.0.1:8080/websocket/offer --freq 440
    fastrtc_ws_client.py ws://127.0.0.1:8080/telephone/handler --twilio

With --binary mulaw|s16le it uses gst-sessionctx's binary media extension:
after `start` it sends {"event":"binary_media","encoding":...}, waits for
the server's answer, then sends raw audio in binary frames and receives
binary frames back (README, "Binary media frames").
"""
import argparse
import asyncio
import base64
import json
import math
import ssl
import struct
import sys
import uuid
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # noqa: E402  (deprecated in 3.11, still the stdlib G.711)

import websockets  # noqa: E402


def tone(freq, rate, start, count, amplitude=8000):
    return struct.pack(
        "<%dh" % count,
        *(int(amplitude * math.sin(2 * math.pi * freq * (start + i) / rate))
          for i in range(count)))


def frequency(pcm, rate):
    samples = struct.unpack("<%dh" % (len(pcm) // 2), pcm)
    crossings = sum(1 for a, b in zip(samples, samples[1:]) if (a < 0) != (b < 0))
    return crossings * rate / (2.0 * max(1, len(samples)))


async def run(args):
    ws_id = args.id or uuid.uuid4().hex[:12]
    rate = 8000 if args.twilio else args.input_rate
    block = 160 if args.twilio else 2048  # Twilio 20 ms; JS ScriptProcessor block
    received = bytearray()
    replies = []
    tls = None
    if args.cafile:  # wss:// to a server whose certificate is in this file
        tls = ssl.create_default_context(cafile=args.cafile)
    async with websockets.connect(args.url, ssl=tls) as websocket:
        if args.twilio:
            await websocket.send(json.dumps(
                {"event": "connected", "protocol": "Call", "version": "1.0.0"}))
            await websocket.send(json.dumps({
                "event": "start", "sequenceNumber": "1", "streamSid": ws_id,
                "start": {"accountSid": "ACtest", "streamSid": ws_id,
                          "callSid": "CAtest", "tracks": ["inbound"],
                          "customParameters": {"client": "python"},
                          "mediaFormat": {"encoding": "audio/x-mulaw",
                                          "sampleRate": 8000, "channels": 1}}}))
        else:
            await websocket.send(json.dumps({"event": "start", "websocket_id": ws_id}))

        if args.binary:
            await websocket.send(json.dumps(
                {"event": "binary_media", "encoding": args.binary}))
            while True:  # media sent before the answer may still be JSON
                answer = json.loads(await websocket.recv())
                if answer.get("event") == "binary_media":
                    replies.append(answer)
                    break

        async def receive():
            async for message in websocket:
                if isinstance(message, bytes):
                    received.extend(message if args.binary == "s16le"
                                    else audioop.ulaw2lin(message, 2))
                    continue
                data = json.loads(message)
                if data.get("event") == "media":
                    received.extend(audioop.ulaw2lin(
                        base64.b64decode(data["media"]["payload"]), 2))
                else:
                    replies.append(data)

        receiver = asyncio.create_task(receive())
        total = int(args.seconds * rate)
        sent = 0
        seq = 2
        while sent < total:
            pcm = tone(args.freq, rate, sent, block)
            payload = base64.b64encode(audioop.lin2ulaw(pcm, 2)).decode()
            if args.binary:
                msg = pcm if args.binary == "s16le" else audioop.lin2ulaw(pcm, 2)
            elif args.twilio:
                msg = {"event": "media", "sequenceNumber": str(seq), "streamSid": ws_id,
                       "media": {"track": "inbound", "chunk": str(seq),
                                 "timestamp": str(sent * 1000 // rate), "payload": payload}}
            else:
                msg = {"event": "media", "media": {"payload": payload}}
            await websocket.send(msg if args.binary else json.dumps(msg))
            sent += block
            seq += 1
            await asyncio.sleep(block / rate)
        await websocket.send(json.dumps({"event": "ping"}))
        await asyncio.sleep(0.5)
        await websocket.send(json.dumps({"event": "stop"}))
        try:
            await asyncio.wait_for(receiver, 5)
        except asyncio.TimeoutError:
            receiver.cancel()

    out_rate = 8000 if args.twilio else args.output_rate
    skip = out_rate // 50 * 2  # resampler start-up
    heard = frequency(bytes(received[skip:]), out_rate) if len(received) > skip * 2 else 0.0
    result = {
        "id": ws_id,
        "sent_hz": args.freq,
        "heard_hz": round(heard, 1),
        "samples_back": len(received) // 2,
        "pong": any(r.get("event") == "pong" for r in replies),
        "replies": replies,
    }
    print(json.dumps(result))
    binary_ok = not args.binary or any(
        r.get("event") == "binary_media" and r.get("encoding") == args.binary
        for r in replies)
    return abs(heard - args.freq) < args.freq * 0.05 and result["pong"] and binary_ok


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--id", help="session id (default: random)")
    parser.add_argument("--freq", type=float, default=440.0)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--twilio", action="store_true", help="speak Twilio Media Streams")
    parser.add_argument("--binary", choices=["mulaw", "s16le"],
                        help="binary media frames (gst-sessionctx extension)")
    parser.add_argument("--input-rate", type=int, default=48000,
                        help="µ-law rate we send (sessionsrc websocket-input-rate)")
    parser.add_argument("--output-rate", type=int, default=24000,
                        help="µ-law rate we get back (sessionsrc websocket-output-rate)")
    parser.add_argument("--cafile", help="wss://: trust the certificate(s) in this PEM file")
    ok = asyncio.run(run(parser.parse_args()))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
