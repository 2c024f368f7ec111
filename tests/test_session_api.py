#!/usr/bin/env python3
"""The session API (issue 21, item 3: GET /sessions, GET /sessions/{id},
POST /sessions/{id}/message, POST /sessions/{id}/clear, DELETE
/sessions/{id}) against real server processes (`gst-launch-1.0 -m
sessionsrc api-token=... ! sessionsink`, the bus on its stdout) with real
clients: Python `websockets` FastRTC and Twilio clients, http.client and
raw sockets for the API, an aiortc peer for the WebRTC case.

  list      a FastRTC, a Twilio and a unicode-and-slash-id session: GET
            /sessions lists them sorted by id with the stats fields (id,
            transport, dialect, remote address = the client's own socket,
            start time, frames and bytes both ways as sent, media); GET
            /sessions/{id} (%-encoded) one; HEAD; unknown id 404
  message   POST .../message reaches the FastRTC client as that JSON text,
            the Twilio client the same (send-message has no Twilio form),
            the unicode id's client too; counted
  clear     POST .../clear: the Twilio client gets {"event":"clear",
            "streamSid":...}; the FastRTC client nothing but the 200
  end       DELETE: the two clients see close 1000 "api", the bus
            session-ended reason api, /metrics ended{reason="api"} 2, the
            third session streams on; then GET and DELETE are 404
  off       no api-token: /sessions 404 (with the auth-token: 401 without
            it, 404 with it: the page's rule); nothing counted
  auth      api-token and auth-token: no, wrong, the auth-token, ?token=
            and Basic are 401 (WWW-Authenticate); an Origin not allowed
            403; the api-token opens no upgrade; counted by route and code
  hostile   while a session streams: ids ../, %2E%2E, %00, %0A, %ZZ, a
            10 KB id, 3400 escapes, raw UTF-8, an unknown unicode id; bodies
            invalid JSON, 1 MB (Content-Length and chunked), an array, a
            string, no/wrong Content-Type, 405 with Allow; each refused
            with its code, 5 times over; the streaming session lost no
            frame, /healthz 200, the server still takes a session
  webrtc    an aiortc peer (in a private network namespace): listed as
            webrtc with its remote address, a message reaches its data
            channel, DELETE ends it (bus reason api)
"""
import asyncio
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

import websockets

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from checks import check, list_cases, run_cases  # noqa: E402
from netns import SERVER_ADDRESS, run_inside  # noqa: E402
from servers import free_port, wait_listening, why_not_listening  # noqa: E402
from webapi import failed_code, metrics, request  # noqa: E402

TOKEN = "api-Test_token-21"
CLIENT_TOKEN = "client-Test_token-21"
AUTH = {"Authorization": "Bearer " + TOKEN}
FRAME = bytes([0x80 | (i % 16) for i in range(960)])      # 20 ms at 48 kHz
TWILIO_FRAME = bytes([0x80 | (i % 16) for i in range(160)])  # 20 ms at 8 kHz
UNICODE_ID = "ü/ß x\"é"
CLIENT = os.path.join(HERE, "clients", "aiortc_client.py")


# ------------------------------------------------------------------ server

class Server:
    """gst-launch-1.0 -m sessionsrc ... ! sessionsink on a free loopback
    port; its output (the bus) goes to a file."""

    def __init__(self, *props):
        self.port = free_port()
        self.out = tempfile.NamedTemporaryFile(prefix="session-api-", suffix=".log")
        argv = ["gst-launch-1.0", "-m", "sessionsrc", "port=%d" % self.port,
                "address=127.0.0.1"] + list(props) + ["!", "sessionsink"]
        self.proc = subprocess.Popen(argv, stdout=self.out, stderr=subprocess.STDOUT)
        if not wait_listening(self.port, 20, self.proc):
            raise RuntimeError("the server does not listen:\n%s\n%s"
                               % (why_not_listening(self.proc, self.port),
                                  self.log()))

    def log(self):
        with open(self.out.name, encoding="utf-8", errors="replace") as f:
            return f.read()

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        self.proc.send_signal(2)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        return self.log()


def raw(port, data, timeout=20):
    """Sends @data as is; (status line, body bytes) of the answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout)
    s.sendall(data)
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    s.close()
    head, _, body = got.partition(b"\r\n\r\n")
    return head.split(b"\r\n")[0].decode(errors="replace"), body


def raw_get(port, path, headers=b""):
    return raw(port, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               b"Connection: close\r\nAuthorization: Bearer " + TOKEN.encode()
               + b"\r\n" + headers + b"\r\n")


def api(port, method, path, body=None, ctype="application/json", headers=None):
    h = dict(AUTH)
    if body is not None and ctype:
        h["Content-Type"] = ctype
    h.update(headers or {})
    return request(port, method, path, h, body)


def quote(session_id):
    return "/sessions/" + urllib.parse.quote(session_id, safe="")


def api_count(m, route, code):
    return m.get('sessionctx_api_requests_total{route="%s",code="%d"}' % (route, code), 0)


def ended_line(log, session_id):
    """The bus's session-ended line of @session_id (gst-launch -m), or ""."""
    field = 'session-id=(string)%s,' % json.dumps(session_id).replace(" ", "\\ ")
    bare = 'session-id=(string)%s,' % session_id
    for line in log.splitlines():
        if "session-ended" in line and (field in line or bare in line):
            return line
    return ""


# ----------------------------------------------------------------- clients

class Client:
    """A WebSocket client of @dialect that started @sid: what it receives
    (every text message but media) and how it was closed."""

    def __init__(self, port, dialect, sid, headers=None):
        self.port, self.dialect, self.sid = port, dialect, sid
        self.headers = headers
        self.texts = []
        self.media = 0
        self.sent = 0
        self.close = None
        self.ws = None
        self.reader = None

    async def start(self):
        path = "/telephone/handler" if self.dialect == "twilio" else "/websocket/offer"
        self.ws = await websockets.connect("ws://127.0.0.1:%d%s" % (self.port, path),
                                           extra_headers=self.headers, max_size=None)
        if self.dialect == "twilio":
            await self.ws.send(json.dumps({
                "event": "start", "streamSid": self.sid,
                "start": {"streamSid": self.sid, "callSid": "CA-api",
                          "mediaFormat": {"encoding": "audio/x-mulaw",
                                          "sampleRate": 8000, "channels": 1}}}))
        else:
            await self.ws.send(json.dumps({"event": "start", "websocket_id": self.sid}))
        self.reader = asyncio.ensure_future(self._read())
        return self

    async def _read(self):
        try:
            async for m in self.ws:
                if isinstance(m, bytes):
                    continue
                try:
                    event = json.loads(m).get("event")
                except (ValueError, AttributeError):
                    event = None
                if event == "media":
                    self.media += 1
                else:
                    self.texts.append(m)
        except websockets.ConnectionClosed:
            pass
        self.close = (self.ws.close_code, self.ws.close_reason)

    async def send_frames(self, n, pace=0.02):
        payload = base64.b64encode(TWILIO_FRAME if self.dialect == "twilio" else FRAME).decode()
        for _ in range(n):
            msg = {"event": "media", "media": {"payload": payload}}
            if self.dialect == "twilio":
                msg["streamSid"] = self.sid
            await self.ws.send(json.dumps(msg))
            self.sent += 1
            await asyncio.sleep(pace)

    async def wait(self, pred, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return True
            await asyncio.sleep(0.02)
        return pred()

    async def stop(self):
        if self.close is None:
            try:
                await self.ws.send(json.dumps({"event": "stop"}))
            except websockets.ConnectionClosed:
                pass
            await self.ws.close()
        if self.reader:
            await asyncio.wait([self.reader], timeout=5)


async def in_thread(fn, *args, **kwargs):
    return await asyncio.to_thread(fn, *args, **kwargs)


async def listed(port, ids, timeout=10.0):
    """GET /sessions until it lists exactly @ids; its sessions by id."""
    deadline = time.monotonic() + timeout
    while True:
        status, _h, body = await in_thread(api, port, "GET", "/sessions")
        by_id = {s["id"]: s for s in json.loads(body)["sessions"]} if status == 200 else {}
        if set(by_id) == set(ids) or time.monotonic() > deadline:
            return by_id
        await asyncio.sleep(0.05)


# ------------------------------------------------------------------- cases

def case_list():
    srv = Server("api-token=" + TOKEN)

    async def run():
        fr = await Client(srv.port, "fastrtc", "list-fr").start()
        tw = await Client(srv.port, "twilio", "MZlist").start()
        uni = await Client(srv.port, "fastrtc", UNICODE_ID).start()
        await asyncio.gather(fr.send_frames(25), tw.send_frames(10))
        t_after = time.time()
        by_id = await listed(srv.port, ["list-fr", "MZlist", UNICODE_ID])
        status, headers, body = await in_thread(api, srv.port, "GET", "/sessions")
        check(status == 200 and headers.get("content-type") == "application/json"
              and headers.get("cache-control") == "no-store",
              "GET /sessions: 200 application/json, no-store (%d %s)"
              % (status, headers.get("content-type")))
        order = [s["id"] for s in json.loads(body)["sessions"]]
        check(order == sorted(order) and set(order) == {"list-fr", "MZlist", UNICODE_ID},
              "three sessions, sorted by id: %s" % order)
        s = by_id.get("list-fr", {})
        local = fr.ws.local_address
        check(s.get("transport") == "websocket" and s.get("dialect") == "fastrtc"
              and s.get("started") is True, "list-fr: websocket, fastrtc, started")
        check(s.get("remote-address") == "%s:%d" % (local[0], local[1]),
              "list-fr: remote-address %s is the client's socket %s:%d"
              % (s.get("remote-address"), local[0], local[1]))
        check(abs(s.get("start-time", 0) / 1e6 - t_after) < 30,
              "list-fr: start-time %s is wall clock (µs)" % s.get("start-time"))
        check(s.get("frames-received") == 25 and s.get("bytes-received") == 25 * len(FRAME),
              "list-fr: frames/bytes received %s/%s = 25/%d"
              % (s.get("frames-received"), s.get("bytes-received"), 25 * len(FRAME)))
        check(s.get("frames-sent", 0) > 0 and s.get("bytes-sent", 0) > 0,
              "list-fr: frames/bytes sent %s/%s (the echo)"
              % (s.get("frames-sent"), s.get("bytes-sent")))
        check(s.get("media") == "audio" and s.get("media-back") == "audio",
              "list-fr: media audio, media-back audio")
        check(all(k in s for k in ("frames-dropped", "audio-dropped", "input-backlog-max",
                                   "send-queue-bytes", "last-media-age"))
              and not any(k.startswith("video-") for k in s),
              "list-fr: the stats counters, no video fields (%s)" % sorted(s))
        t = by_id.get("MZlist", {})
        check(t.get("dialect") == "twilio" and t.get("frames-received") == 10
              and t.get("bytes-received") == 10 * len(TWILIO_FRAME),
              "MZlist: twilio, 10 frames of %d bytes (%s)" % (len(TWILIO_FRAME),
                                                               t.get("bytes-received")))
        check(by_id.get(UNICODE_ID, {}).get("frames-received") == 0,
              "the unicode id is listed as sent (%r)" % sorted(by_id))

        status, _h, body = await in_thread(api, srv.port, "GET", "/sessions/list-fr")
        one = json.loads(body) if status == 200 else {}
        check(status == 200 and one.get("id") == "list-fr"
              and one.get("remote-address") == s.get("remote-address")
              and one.get("frames-received") == 25,
              "GET /sessions/list-fr: the same session (%d)" % status)
        status, _h, body = await in_thread(api, srv.port, "GET", quote(UNICODE_ID))
        check(status == 200 and json.loads(body).get("id") == UNICODE_ID,
              "GET %s: the unicode id with a slash (%d)" % (quote(UNICODE_ID), status))
        status, _h, body = await in_thread(api, srv.port, "HEAD", "/sessions")
        check(status == 200 and body == b"", "HEAD /sessions: 200, no body")
        status, _h, body = await in_thread(api, srv.port, "GET", "/sessions/nobody")
        check(status == 404 and failed_code(body) == "unknown_session",
              "unknown id: 404 unknown_session (%d %s)" % (status, body[:80]))
        for c in (fr, tw, uni):
            await c.stop()
        await listed(srv.port, [])
        status, _h, body = await in_thread(api, srv.port, "GET", "/sessions")
        check(status == 200 and json.loads(body) == {"sessions": []},
              "after they stopped: {\"sessions\":[]}")
        m = metrics(srv.port)
        check(api_count(m, "get", 200) == 2 and api_count(m, "get", 404) == 1
              and api_count(m, "list", 200) >= 3,
              "/metrics: get 200 x2, get 404 x1, list 200 (%s)" % api_count(m, "list", 200))
        check("list-fr" not in "".join(k for k in m), "no id in /metrics")

    try:
        asyncio.run(run())
    finally:
        srv.stop()


def case_message():
    srv = Server("api-token=" + TOKEN)
    text = json.dumps({"type": "log", "data": {"text": "h\u00e9llo \"q\" \\", "n": [1, 2.5, None]}},
                      ensure_ascii=False)

    async def run():
        fr = await Client(srv.port, "fastrtc", "msg-fr").start()
        tw = await Client(srv.port, "twilio", "MZmsg").start()
        uni = await Client(srv.port, "fastrtc", UNICODE_ID).start()
        await listed(srv.port, ["msg-fr", "MZmsg", UNICODE_ID])
        for c, path in ((fr, "/sessions/msg-fr/message"), (tw, "/sessions/MZmsg/message"),
                        (uni, quote(UNICODE_ID) + "/message")):
            status, _h, body = await in_thread(api, srv.port, "POST", path,
                                               text.encode(), "application/json; charset=utf-8")
            check(status == 200 and json.loads(body) == {"status": "success"},
                  "POST %s: 200 success (%d %s)" % (path, status, body[:80]))
            got = await c.wait(lambda c=c: text in c.texts)
            check(got, "%s (%s) received the message as sent: %s"
                  % (c.sid, c.dialect, c.texts[-3:]))
        status, _h, body = await in_thread(api, srv.port, "POST", "/sessions/nobody/message",
                                           b"{}")
        check(status == 404 and failed_code(body) == "unknown_session",
              "message to an unknown id: 404 (%d)" % status)
        for c in (fr, tw, uni):
            await c.stop()
        m = metrics(srv.port)
        check(api_count(m, "message", 200) == 3 and api_count(m, "message", 404) == 1,
              "/metrics: message 200 x3, 404 x1")

    try:
        asyncio.run(run())
    finally:
        srv.stop()


def case_clear():
    srv = Server("api-token=" + TOKEN)

    async def run():
        tw = await Client(srv.port, "twilio", "MZclear").start()
        fr = await Client(srv.port, "fastrtc", "clear-fr").start()
        await listed(srv.port, ["MZclear", "clear-fr"])
        await asyncio.gather(tw.send_frames(5), fr.send_frames(5))
        status, _h, body = await in_thread(api, srv.port, "POST", "/sessions/MZclear/clear")
        check(status == 200 and json.loads(body) == {"status": "success"},
              "POST /sessions/MZclear/clear: 200 (%d %s)" % (status, body[:80]))
        expected = {"event": "clear", "streamSid": "MZclear"}
        check(await tw.wait(lambda: any(json.loads(t) == expected for t in tw.texts)),
              "the Twilio client got %s (%s)" % (json.dumps(expected), tw.texts[-3:]))
        status, _h, body = await in_thread(api, srv.port, "POST", "/sessions/clear-fr/clear")
        check(status == 200, "POST /sessions/clear-fr/clear: 200 (%d)" % status)
        await asyncio.sleep(0.5)
        check(not any("clear" in t for t in fr.texts),
              "the FastRTC client got no clear message (%s)" % fr.texts)
        check(tw.close is None and fr.close is None, "both stay connected")
        for c in (tw, fr):
            await c.stop()
        m = metrics(srv.port)
        check(api_count(m, "clear", 200) == 2, "/metrics: clear 200 x2")

    try:
        asyncio.run(run())
    finally:
        srv.stop()


def case_end():
    srv = Server("api-token=" + TOKEN)

    async def run():
        fr = await Client(srv.port, "fastrtc", "end-fr").start()
        tw = await Client(srv.port, "twilio", "MZend").start()
        stay = await Client(srv.port, "fastrtc", "end-stays").start()
        await listed(srv.port, ["end-fr", "MZend", "end-stays"])
        streaming = asyncio.ensure_future(stay.send_frames(100))
        await asyncio.sleep(0.3)
        for path in ("/sessions/end-fr", "/sessions/MZend"):
            status, _h, body = await in_thread(api, srv.port, "DELETE", path)
            check(status == 200 and json.loads(body) == {"status": "success"},
                  "DELETE %s: 200 (%d %s)" % (path, status, body[:80]))
        for c in (fr, tw):
            await c.wait(lambda c=c: c.close is not None)
            check(c.close == (1000, "api"), "%s closed with %s (1000 \"api\")" % (c.sid, c.close))
        by_id = await listed(srv.port, ["end-stays"])
        check(set(by_id) == {"end-stays"}, "only end-stays is left (%s)" % sorted(by_id))
        for path in ("/sessions/end-fr", "/sessions/MZend"):
            status, _h, body = await in_thread(api, srv.port, "GET", path)
            check(status == 404, "GET %s after: 404 (%d)" % (path, status))
        status, _h, body = await in_thread(api, srv.port, "DELETE", "/sessions/end-fr")
        check(status == 404 and failed_code(body) == "unknown_session",
              "DELETE again: 404 unknown_session (%d)" % status)
        await streaming
        check(stay.close is None, "end-stays still connected")
        await asyncio.sleep(0.3)
        status, _h, body = await in_thread(api, srv.port, "GET", "/sessions/end-stays")
        frames = json.loads(body).get("frames-received") if status == 200 else None
        check(frames == stay.sent, "end-stays: frames-received %s = %d sent" % (frames, stay.sent))
        m = metrics(srv.port)
        check(m.get('sessionctx_sessions_ended_total{reason="api"}') == 2,
              "/metrics: sessions ended reason api 2 (%s)"
              % m.get('sessionctx_sessions_ended_total{reason="api"}'))
        check(api_count(m, "end", 200) == 2 and api_count(m, "end", 404) == 1,
              "/metrics: end 200 x2, 404 x1")
        await stay.stop()

    try:
        asyncio.run(run())
    finally:
        log = srv.stop()
    for sid in ("end-fr", "MZend"):
        line = ended_line(log, sid)
        check("reason=(GstSessionEndReason)api" in line and "reason-name=(string)api" in line,
              "bus: session-ended of %s, reason api: %s" % (sid, line[-220:]))
    line = ended_line(log, "end-stays")
    check("reason=(GstSessionEndReason)stop" in line, "bus: end-stays ended by stop")


def case_off():
    srv = Server()                                  # no token at all
    try:
        for method in ("GET", "POST", "DELETE"):
            status, _h, body = request(srv.port, method, "/sessions/x", AUTH, b"")
            check(status == 404 and failed_code(body) is None,
                  "no api-token: %s /sessions/x is libsoup's 404 (%d)" % (method, status))
        status, _h, _b = request(srv.port, "GET", "/sessions", AUTH)
        check(status == 404, "no api-token: GET /sessions 404 (%d)" % status)
        m = metrics(srv.port)
        check(not any(k.startswith("sessionctx_api_requests_total{") and v for k, v in m.items()),
              "nothing counted")
    finally:
        srv.stop()
    srv = Server("auth-token=" + CLIENT_TOKEN)       # clients' token only
    try:
        status, _h, _b = request(srv.port, "GET", "/sessions", AUTH)
        check(status == 401, "auth-token only: /sessions with another token 401 (%d)" % status)
        status, _h, _b = request(srv.port, "GET", "/sessions",
                                 {"Authorization": "Bearer " + CLIENT_TOKEN})
        check(status == 404, "auth-token only: the auth-token gets 404, no API (%d)" % status)
    finally:
        srv.stop()


def case_auth():
    origin = "https://ok.example"
    srv = Server("api-token=" + TOKEN, "auth-token=" + CLIENT_TOKEN, "allowed-origins=" + origin)

    async def run():
        refusals = [
            ({}, "/sessions", 401),
            ({"Authorization": "Bearer wrong"}, "/sessions", 401),
            ({"Authorization": "Bearer " + CLIENT_TOKEN}, "/sessions", 401),
            ({"Authorization": "Basic " + TOKEN}, "/sessions", 401),
            ({}, "/sessions?token=" + TOKEN, 401),
            ({"Authorization": "Bearer " + TOKEN[:-1]}, "/sessions", 401),
            (dict(AUTH, Origin="https://evil.example"), "/sessions", 403),
        ]
        for headers, path, want in refusals:
            status, h, body = await in_thread(request, srv.port, "GET", path, headers)
            code = "unauthorized" if want == 401 else "forbidden_origin"
            check(status == want and failed_code(body) == code
                  and (want != 401 or h.get("www-authenticate") == "Bearer"),
                  "%s %s: %d %s (%d %s)" % (sorted(headers), path, want, code, status, body[:60]))
        status, h, body = await in_thread(request, srv.port, "DELETE", "/sessions/x", {})
        check(status == 401, "DELETE without the token: 401 (%d)" % status)
        status, h, _b = await in_thread(request, srv.port, "GET", "/sessions",
                                        dict(AUTH, Origin=origin))
        check(status == 200 and "access-control-allow-origin" not in h,
              "the token and an allowed Origin: 200, no CORS headers (%d)" % status)
        # The api-token opens no WebSocket; the clients' token does.
        try:
            await websockets.connect("ws://127.0.0.1:%d/websocket/offer" % srv.port,
                                     extra_headers=AUTH)
            opened = True
        except websockets.InvalidStatusCode as e:
            opened = e.status_code != 401
        check(not opened, "the api-token opens no upgrade (401)")
        c = await Client(srv.port, "fastrtc", "auth-fr",
                         {"Authorization": "Bearer " + CLIENT_TOKEN}).start()
        by_id = await listed(srv.port, ["auth-fr"])
        check("auth-fr" in by_id, "a client with the auth-token is listed")
        await c.stop()
        m = metrics(srv.port, {"Authorization": "Bearer " + CLIENT_TOKEN})
        check(api_count(m, "list", 401) == 6 and api_count(m, "list", 403) == 1
              and api_count(m, "end", 401) == 1,
              "/metrics: list 401 x6, 403 x1, end 401 x1 (%s %s %s)"
              % (api_count(m, "list", 401), api_count(m, "list", 403), api_count(m, "end", 401)))

    try:
        asyncio.run(run())
    finally:
        log = srv.stop()
    check(TOKEN not in log and CLIENT_TOKEN not in log, "no token in the server's output")


def case_hostile():
    srv = Server("api-token=" + TOKEN)
    big = b'{"a":"' + b"x" * (1 << 20) + b'"}'
    a1 = b"Authorization: Bearer " + TOKEN.encode() + b"\r\n"

    def chunked(body):
        out = b""
        for i in range(0, len(body), 4096):
            part = body[i:i + 4096]
            out += b"%x\r\n%s\r\n" % (len(part), part)
        return out + b"0\r\n\r\n"

    def post_raw(path, body, extra=b"Content-Type: application/json\r\n"):
        return raw(srv.port, b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                   b"Connection: close\r\n" + a1 + extra
                   + b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def ids():
        """(what, (status line, body), status wanted, error code or None)."""
        return [
            ("../ (resolved by the URI parser: the list)", raw_get(srv.port, b"/sessions/../sessions"), 200, None),
            ("../x (outside the API)", raw_get(srv.port, b"/sessions/../x"), 404, None),
            ("%2E%2E (resolved: not the API)", raw_get(srv.port, b"/sessions/%2E%2E/message"), None, None),
            ("%00", raw_get(srv.port, b"/sessions/a%00b"), 400, "invalid_session_id"),
            ("%0A", raw_get(srv.port, b"/sessions/a%0Ab"), 400, "invalid_session_id"),
            ("%ZZ", raw_get(srv.port, b"/sessions/a%ZZ"), 400, None),
            ("%FF", raw_get(srv.port, b"/sessions/%FF"), 400, "invalid_session_id"),
            ("10 KB id", raw_get(srv.port, b"/sessions/" + b"a" * 10240), 400, "invalid_session_id"),
            ("3400 escapes", raw_get(srv.port, b"/sessions/" + b"%41" * 3400), 400, "invalid_session_id"),
            ("raw UTF-8, unknown", raw_get(srv.port, "/sessions/é".encode()), 404, "unknown_session"),
            ("unicode, unknown", raw_get(srv.port, quote("日本語").encode()), 404, "unknown_session"),
            ("%2F id, unknown", raw_get(srv.port, b"/sessions/a%2F..%2F..%2Fetc"), 404, "unknown_session"),
            ("empty id", post_raw(b"/sessions//message", b"{}"), 400, "invalid_session_id"),
            ("extra segment", raw_get(srv.port, b"/sessions/calm/x"), 404, "not_found"),
            ("invalid JSON", post_raw(b"/sessions/calm/message", b'{"a":'), 400, "invalid_json"),
            ("invalid UTF-8", post_raw(b"/sessions/calm/message", b'{"a":"\xff"}'), 400, "invalid_json"),
            ("empty body", post_raw(b"/sessions/calm/message", b""), 400, "invalid_json"),
            ("an array", post_raw(b"/sessions/calm/message", b"[1,2]"), 400, "invalid_message"),
            ("a string", post_raw(b"/sessions/calm/message", b'"hi"'), 400, "invalid_message"),
            ("no Content-Type", post_raw(b"/sessions/calm/message", b"{}", b""), 415, "unsupported_media_type"),
            ("text/plain", post_raw(b"/sessions/calm/message", b"{}", b"Content-Type: text/plain\r\n"),
             415, "unsupported_media_type"),
            ("1 MB", post_raw(b"/sessions/calm/message", big), 413, "payload_too_large"),
            ("1 MB chunked", raw(srv.port, b"POST /sessions/calm/message HTTP/1.1\r\nHost: x\r\n"
                                 b"Connection: close\r\n" + a1 + b"Content-Type: application/json\r\n"
                                 b"Transfer-Encoding: chunked\r\n\r\n" + chunked(big)),
             413, "payload_too_large"),
            ("PUT", raw(srv.port, b"PUT /sessions/calm HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + a1 + b"Content-Length: 0\r\n\r\n"), 405, "method_not_allowed"),
            ("GET on message", raw_get(srv.port, b"/sessions/calm/message"), 405, "method_not_allowed"),
        ]

    async def run():
        calm = await Client(srv.port, "fastrtc", "calm").start()
        await listed(srv.port, ["calm"])
        streaming = asyncio.ensure_future(calm.send_frames(250))
        for rnd in range(5):
            results = await in_thread(ids)
            for what, (line, body), want, code in results:
                status = int(line.split()[1]) if len(line.split()) > 1 else 0
                ok = (want is None or status == want) and (code is None or failed_code(body) == code)
                if want is None:
                    ok = failed_code(body) in (None, False)   # not an API answer
                if rnd == 0 or not ok:
                    check(ok, "%s: %s %s" % (what, line, body[:90]))
        # Allow on 405s.
        _s, h, _b = await in_thread(request, srv.port, "PUT", "/sessions/calm", AUTH, b"")
        check(h.get("allow") == "GET, HEAD, DELETE", "405 Allow: %s" % h.get("allow"))
        _s, h, _b = await in_thread(request, srv.port, "GET", "/sessions/calm/clear", AUTH)
        check(h.get("allow") == "POST", "405 Allow on clear: %s" % h.get("allow"))
        _s, h, _b = await in_thread(request, srv.port, "DELETE", "/sessions", AUTH)
        check(h.get("allow") == "GET, HEAD", "405 Allow on /sessions: %s" % h.get("allow"))
        await streaming
        await asyncio.sleep(0.3)
        check(calm.close is None and not calm.texts,
              "calm: still connected, got nothing but its echo (%s)" % calm.texts[:3])
        status, _h, body = await in_thread(api, srv.port, "GET", "/sessions/calm")
        frames = json.loads(body).get("frames-received") if status == 200 else None
        check(frames == calm.sent == 250, "calm: frames-received %s = %d sent" % (frames, calm.sent))
        check(calm.media > 0, "calm heard its echo (%d media messages)" % calm.media)
        status, _h, body = await in_thread(request, srv.port, "GET", "/healthz")
        check(status == 200 and body == b"ok\n", "/healthz 200 ok")
        late = await Client(srv.port, "fastrtc", "late").start()
        by_id = await listed(srv.port, ["calm", "late"])
        check(set(by_id) == {"calm", "late"}, "a new session is taken and listed")
        await late.stop()
        await calm.stop()
        m = metrics(srv.port)
        check(api_count(m, "message", 413) == 10 and api_count(m, "message", 415) == 10,
              "/metrics: message 413 x10, 415 x10 (%s %s)"
              % (api_count(m, "message", 413), api_count(m, "message", 415)))

    try:
        asyncio.run(run())
        check(srv.alive(), "the server process is alive")
    finally:
        log = srv.stop()
    check("CRITICAL" not in log and "ERROR" not in log, "no error or critical in its output")


def case_webrtc():
    """An aiortc peer in the namespace: listed, a message on its data
    channel, DELETE ends it (bus: reason api)."""
    srv = Server("api-token=" + TOKEN, "ice-addresses=" + SERVER_ADDRESS)
    client = None
    try:
        client = subprocess.Popen([sys.executable, CLIENT,
                                   "http://127.0.0.1:%d/webrtc/offer" % srv.port,
                                   "--id", "rtc-api", "--seconds", "8"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 30
        s = {}
        while time.time() < deadline:
            status, _h, body = api(srv.port, "GET", "/sessions/rtc-api")
            s = json.loads(body) if status == 200 else {}
            if s.get("started") and s.get("frames-received", 0) > 10:
                break
            time.sleep(0.1)
        check(s.get("transport") == "webrtc" and s.get("dialect") == "fastrtc"
              and s.get("started") is True, "rtc-api listed: webrtc, fastrtc, started (%s)"
              % {k: s.get(k) for k in ("transport", "started", "frames-received")})
        check(str(s.get("remote-address", "")).startswith("10.201.0."),
              "rtc-api: remote-address %s (the ICE pair's)" % s.get("remote-address"))
        check("audio" in s.get("media", ""), "rtc-api: media %s" % s.get("media"))
        text = json.dumps({"type": "log", "data": "from the API"})
        status, _h, body = api(srv.port, "POST", "/sessions/rtc-api/message", text.encode())
        check(status == 200, "POST message to the peer: 200 (%d %s)" % (status, body[:80]))
        time.sleep(1.0)
        status, _h, body = api(srv.port, "DELETE", "/sessions/rtc-api")
        check(status == 200, "DELETE the peer: 200 (%d)" % status)
        deadline = time.time() + 10
        while time.time() < deadline and api(srv.port, "GET", "/sessions/rtc-api")[0] != 404:
            time.sleep(0.1)
        check(api(srv.port, "GET", "/sessions/rtc-api")[0] == 404, "then it is gone (404)")
        out, _err = client.communicate(timeout=60)
        try:
            result = json.loads(out.strip().splitlines()[-1])
        except (ValueError, IndexError):
            result = {}
        check(text in result.get("messages", []),
              "the peer's data channel got the message (%s)" % result.get("messages"))
    finally:
        if client and client.poll() is None:
            client.kill()
            client.communicate()
        log = srv.stop()
    line = ended_line(log, "rtc-api")
    check("reason=(GstSessionEndReason)api" in line, "bus: rtc-api ended, reason api: %s"
          % line[-200:])
    m_line = [ln for ln in log.splitlines() if "session-ended" in ln]
    check(len(m_line) == 1, "one session-ended on the bus (%d)" % len(m_line))


CASES = {
    "list": case_list,
    "message": case_message,
    "clear": case_clear,
    "end": case_end,
    "off": case_off,
    "auth": case_auth,
    "hostile": case_hostile,
    "webrtc": case_webrtc,
}

if __name__ == "__main__":
    list_cases(CASES)
    # WebRTC needs a private network namespace (aiortc never gathers
    # loopback): a run that includes it happens inside one.
    if sys.argv[1:2] == ["--inside"] or "webrtc" in (sys.argv[1:] or list(CASES)):
        run_inside(__file__, lambda: run_cases(CASES))
    run_cases(CASES)
