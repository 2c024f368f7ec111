"""The WebSocket wire of both dialects as the audio test clients speak it:
where to connect, how a session starts (and asks for binary media), a
20 ms frame out, and what a message back holds. Shared by chirp_client.py
and turnclient.py."""
import base64
import json
import warnings

import numpy as np

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop  # noqa: E402  (deprecated in 3.11, still the stdlib G.711)

TWILIO_RATE = 8000


def url(port, dialect):
    return "ws://127.0.0.1:%d%s" % (
        port, "/telephone/handler" if dialect == "twilio" else "/websocket/offer")


async def begin(ws, dialect, sid, media):
    """Starts session @sid; for @media "s16le" or "mulaw", asks for binary
    frames and waits until the server agrees."""
    if dialect == "twilio":
        await ws.send(json.dumps({
            "event": "start", "sequenceNumber": "1", "streamSid": sid,
            "start": {"accountSid": "ACtest", "streamSid": sid, "callSid": "CAt",
                      "tracks": ["inbound"], "customParameters": {},
                      "mediaFormat": {"encoding": "audio/x-mulaw",
                                      "sampleRate": TWILIO_RATE, "channels": 1}}}))
    else:
        await ws.send(json.dumps({"event": "start", "websocket_id": sid}))
    if media != "json":
        await ws.send(json.dumps({"event": "binary_media", "encoding": media}))
        while json.loads(await ws.recv()).get("event") != "binary_media":
            pass


def frame(dialect, media, sid, pcm, index, ms):
    """Frame number @index (from 0) of int16 @pcm, @ms after the first, as
    sent: bytes for binary @media, else the JSON text."""
    wire = pcm.tobytes() if media == "s16le" else audioop.lin2ulaw(pcm.tobytes(), 2)
    if media != "json":
        return wire
    payload = base64.b64encode(wire).decode()
    if dialect == "twilio":
        return json.dumps({"event": "media", "sequenceNumber": str(index + 2), "streamSid": sid,
                           "media": {"track": "inbound", "chunk": str(index + 1),
                                     "timestamp": str(ms), "payload": payload}})
    return json.dumps({"event": "media", "media": {"payload": payload}})


def received(message, media):
    """(int16 samples, None) of a media message back, or (None, its JSON)
    for any other."""
    if isinstance(message, bytes):
        raw = message if media == "s16le" else audioop.ulaw2lin(message, 2)
    else:
        data = json.loads(message)
        if data.get("event") != "media":
            return None, data
        raw = audioop.ulaw2lin(base64.b64decode(data["media"]["payload"]), 2)
    return np.frombuffer(raw, dtype=np.int16), None
