#!/usr/bin/env python3
"""Streams a WAV file (mono 16-bit) to a FastRTC or Twilio WebSocket server as
µ-law, independent of gst-sessionctx, then stops:

    wav_client.py ws://127.0.0.1:8080/telephone/handler speech.wav --twilio --id MZalice

--speed N sends N times faster than real time (a recognizer does not care).
"""
import argparse
import asyncio
import base64
import json
import sys
import warnings
import wave

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # noqa: E402

import websockets  # noqa: E402


async def run(args):
    with wave.open(args.wav) as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            sys.exit("need a mono 16-bit WAV")
        pcm = w.readframes(w.getnframes())
        rate = w.getframerate()
    target = 8000 if args.twilio else args.input_rate
    pcm, _ = audioop.ratecv(pcm, 2, 1, rate, target, None)
    pcm += b"\0\0" * int(target * args.tail)  # silence: the utterance ends
    ulaw = audioop.lin2ulaw(pcm, 2)
    frame = target // 50
    async with websockets.connect(args.url) as ws:
        if args.twilio:
            await ws.send(json.dumps({"event": "connected", "protocol": "Call"}))
            await ws.send(json.dumps({"event": "start", "streamSid": args.id,
                                      "start": {"streamSid": args.id, "mediaFormat": {
                                          "encoding": "audio/x-mulaw", "sampleRate": 8000,
                                          "channels": 1}}}))
        else:
            await ws.send(json.dumps({"event": "start", "websocket_id": args.id}))
        for i in range(0, len(ulaw), frame):
            payload = base64.b64encode(ulaw[i:i + frame]).decode()
            msg = {"event": "media", "media": {"payload": payload}}
            if args.twilio:
                msg["streamSid"] = args.id
            await ws.send(json.dumps(msg))
            await asyncio.sleep(0.02 / args.speed)
        stop = {"event": "stop"}
        if args.twilio:
            stop["streamSid"] = args.id
        await ws.send(json.dumps(stop))
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        except (websockets.ConnectionClosed, asyncio.TimeoutError):
            pass
    print(json.dumps({"id": args.id, "seconds": len(pcm) / 2 / target}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("wav")
    parser.add_argument("--id", default="wav-client")
    parser.add_argument("--twilio", action="store_true")
    parser.add_argument("--input-rate", type=int, default=48000)
    parser.add_argument("--speed", type=float, default=1.0)
    parser.add_argument("--tail", type=float, default=1.0, help="seconds of silence after")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
