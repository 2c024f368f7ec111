"""A WebSocket client (FastRTC or Twilio) on its own thread and event loop
that streams until told to stop: the drain and cluster tests' caller."""
import asyncio
import base64
import json
import threading
import time

import websockets

# 20 ms of a quiet, non-zero µ-law tone: 48 kHz for FastRTC (sessionsrc's
# websocket-input-rate), 8 kHz for Twilio.
FASTRTC_FRAME = base64.b64encode(bytes([0x80 | (i % 16) for i in range(960)])).decode()
TWILIO_FRAME = base64.b64encode(bytes([0x80 | (i % 16) for i in range(160)])).decode()


class PacedClient(threading.Thread):
    """Connects to 127.0.0.1:@port (from @source, with @headers), starts
    @sid, then sends 20 ms frames at real-time pace until stop() (then its
    `stop`, and it waits for the echo and the close) or until the
    connection ends. Counts the bytes sent and echoed, and notes when each
    echo came and how the connection closed."""

    def __init__(self, port, sid, dialect="fastrtc", source=None, headers=None):
        super().__init__(daemon=True)
        self.port, self.sid, self.dialect = port, sid, dialect
        self.source = source
        self.headers = headers or {}
        self.sent = self.got = 0
        self.echo_times = []
        self.first_sent_at = None
        self.events = []        # the other JSON messages it got, parsed
        self.close_code = None
        self.close_reason = None
        self.closed_at = None
        self.error = None
        self._stopping = threading.Event()

    def __repr__(self):
        return "%s (%s)" % (self.sid, self.dialect)

    def stop(self):
        self._stopping.set()

    def echoes_since(self, t):
        return sum(1 for e in list(self.echo_times) if e >= t)

    def run(self):
        try:
            asyncio.run(self._main())
        except Exception as e:  # noqa: BLE001 (reported by the checks)
            self.error = repr(e)
        self.closed_at = self.closed_at or time.time()

    async def _main(self):
        twilio = self.dialect == "twilio"
        path = "/telephone/handler" if twilio else "/websocket/offer"
        frame = TWILIO_FRAME if twilio else FASTRTC_FRAME
        size = len(base64.b64decode(frame))
        try:
            async with websockets.connect(
                    "ws://127.0.0.1:%d%s" % (self.port, path), max_size=None,
                    local_addr=(self.source, 0) if self.source else None,
                    extra_headers=self.headers) as ws:
                if twilio:
                    await ws.send(json.dumps({"event": "connected", "protocol": "Call"}))
                    await ws.send(json.dumps({
                        "event": "start", "sequenceNumber": "1", "streamSid": self.sid,
                        "start": {"streamSid": self.sid, "callSid": "CApaced",
                                  "mediaFormat": {"encoding": "audio/x-mulaw",
                                                  "sampleRate": 8000, "channels": 1}}}))
                else:
                    await ws.send(json.dumps({"event": "start", "websocket_id": self.sid}))

                async def reader():
                    async for msg in ws:
                        j = json.loads(msg)
                        if j.get("event") == "media":
                            self.got += len(base64.b64decode(j["media"]["payload"]))
                            self.echo_times.append(time.time())
                        else:
                            self.events.append(j)

                task = asyncio.ensure_future(reader())
                t0, n = time.time(), 0
                while not self._stopping.is_set() and not task.done():
                    msg = {"event": "media", "media": {"payload": frame}}
                    if twilio:
                        msg["streamSid"] = self.sid
                    if n == 0:
                        self.first_sent_at = time.time()
                    await ws.send(json.dumps(msg))
                    n += 1
                    self.sent += size
                    # Real-time pace from the start (no drift).
                    delay = t0 + n * 0.02 - time.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                if not task.done():
                    await ws.send(json.dumps({"event": "stop", "streamSid": self.sid}
                                             if twilio else {"event": "stop"}))
                try:
                    await asyncio.wait_for(task, 20)
                except (asyncio.TimeoutError, websockets.ConnectionClosed):
                    pass
                self.close_code, self.close_reason = ws.close_code, ws.close_reason
        except websockets.ConnectionClosed as e:
            self.close_code, self.close_reason = e.code, e.reason
        self.closed_at = time.time()
