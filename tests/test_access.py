#!/usr/bin/env python3
"""Access control against a real sessionsrc (in process, properties set
through GObject introspection) with real clients: Python websockets,
http.client (raw upgrades, signalling POSTs, /metrics, the page).

  token       auth-token: 401 + WWW-Authenticate without or with a wrong
              token on every route, Bearer header and ?token= both admit,
              the token is in no context's metadata, and a run with
              GST_DEBUG=*:9 never prints it
  origins     allowed-origins: 403 for an unlisted Origin on every route,
              none passes, CORS headers only for the listed origin
  authorize   the authorize signal (sessionsrc and sessionbin): admits only
              ids with a prefix; its context carries path, query, headers,
              remote address, id; refused WebSocket -> failed `unauthorized`
              + close 1008, refused offer -> HTTP 403 failed `unauthorized`
  per-address max-sessions-per-address (WebSocket and WebRTC), released at
              session end; trusted-proxies and X-Forwarded-For
  handshake   handshake-timeout: upgraded, never sends start -> closed
  hammer      a session streaming while refused clients hammer it loses
              no frame; /metrics counts each refusal by code
"""
import asyncio
import base64
import http.client
import json
import os
import subprocess
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstSessionCtx", "1.0")
from gi.repository import Gst, GstSessionCtx  # noqa: E402
import websockets  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from checks import list_cases  # noqa: E402

Gst.init(None)
failures = []
TOKEN = "s3cr3t-Tok3n_for-tests"
FRAME = base64.b64encode(bytes([0xFF] * 960)).decode()   # 20 ms at 48 kHz


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


class Server:
    """sessionsrc (or sessionbin) on a free loopback port, PLAYING."""

    def __init__(self, element="sessionsrc", **props):
        if element == "sessionsrc":
            self.pipeline = Gst.parse_launch(
                "sessionsrc name=src port=0 address=127.0.0.1 ! fakesink sync=false")
            self.src = self.pipeline.get_by_name("src")
        else:
            self.pipeline = Gst.Pipeline.new()
            self.src = Gst.ElementFactory.make(element, "src")
            self.src.set_property("handler", "fakesink")
            self.src.set_property("port", 0)
            self.src.set_property("address", "127.0.0.1")
            self.pipeline.add(self.src)
        for k, v in props.items():
            self.src.set_property(k.replace("_", "-"), v)
        self.pipeline.set_state(Gst.State.PLAYING)
        self.port = self.src.props.port
        self.started, self.ended = {}, {}

    def poll(self):
        bus = self.pipeline.get_bus()
        while True:
            msg = bus.pop_filtered(Gst.MessageType.ELEMENT)
            if msg is None:
                return
            name = msg.get_structure().get_name()
            if name == "session-started":
                ctx = GstSessionCtx.message_get_session_context(msg)
                self.started[ctx.get_id()] = ctx
            elif name == "session-ended":
                ok, ctx, reason, stats = GstSessionCtx.message_parse_session_ended(msg)
                self.ended[ctx.get_id()] = (reason, stats.frames)

    def wait_ended(self, sid, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            self.poll()
            if sid in self.ended:
                return self.ended[sid]
            time.sleep(0.02)
        return None

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)


def request(port, method, path, headers=None, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    out = (r.status, {k.lower(): v for k, v in r.getheaders()}, data)
    conn.close()
    return out


def upgrade(port, path="/websocket/offer", headers=None):
    """A raw WebSocket upgrade: its HTTP status and headers."""
    h = {"Upgrade": "websocket", "Connection": "Upgrade",
         "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"}
    h.update(headers or {})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", path, headers=h)
    r = conn.getresponse()
    out = (r.status, {k.lower(): v for k, v in r.getheaders()})
    conn.close()
    return out


def offer(sid):
    return json.dumps({"sdp": "v=0\r\n", "type": "offer", "webrtc_id": sid})


async def ws_session(port, sid, query="", headers=None, frames=0, pace=0.0,
                     hold=0.0):
    """start, @frames media messages (@pace s apart), @hold s, stop: the
    replies and how it closed."""
    res = {"replies": [], "code": None, "reason": None, "sent": 0}
    try:
        async with websockets.connect("ws://127.0.0.1:%d/websocket/offer%s" % (port, query),
                                      extra_headers=headers or {}) as ws:
            await ws.send(json.dumps({"event": "start", "websocket_id": sid}))
            for _ in range(frames):
                await ws.send(json.dumps({"event": "media", "media": {"payload": FRAME}}))
                res["sent"] += 1
                if pace:
                    await asyncio.sleep(pace)
            if hold:
                try:
                    msg = await asyncio.wait_for(ws.recv(), hold)
                    res["replies"].append(msg)
                except asyncio.TimeoutError:
                    pass
            if ws.open and not res["replies"]:
                await ws.send(json.dumps({"event": "stop"}))
            async for msg in ws:
                res["replies"].append(msg)
            res["code"], res["reason"] = ws.close_code, ws.close_reason
    except websockets.ConnectionClosed as e:
        res["code"], res["reason"] = e.code, e.reason
    return res


def failed_code(text):
    try:
        j = json.loads(text)
        return j.get("status") == "failed" and j["meta"]["error"]
    except (ValueError, KeyError, TypeError):
        return None


def metric(port, code, headers=None):
    status, _, body = request(port, "GET", "/metrics", headers)
    for line in body.decode().splitlines():
        if line.startswith('sessionctx_protocol_errors_total{code="%s"}' % code):
            return float(line.split()[-1])
    return 0.0


# ------------------------------------------------------------------ token

def test_token():
    srv = Server(auth_token=TOKEN)
    port = srv.port
    bearer = {"Authorization": "Bearer " + TOKEN}
    wrong = "x" * len(TOKEN)
    for what, path, hdrs in (("no token", "/websocket/offer", {}),
                             ("wrong token (same length)", "/websocket/offer?token=" + wrong, {}),
                             ("wrong Bearer", "/telephone/handler", {"Authorization": "Bearer " + wrong}),
                             ("token as prefix", "/websocket/offer?token=" + TOKEN[:-1], {})):
        status, h = upgrade(port, path, hdrs)
        check(status == 401 and h.get("www-authenticate") == "Bearer",
              "upgrade, %s: %d WWW-Authenticate %s" % (what, status, h.get("www-authenticate")))
    check(upgrade(port, "/websocket/offer?token=" + TOKEN)[0] == 101, "upgrade with ?token=: 101")
    check(upgrade(port, "/telephone/handler", bearer)[0] == 101, "upgrade with Bearer: 101")
    check(upgrade(port, "/websocket/offer", {"Authorization": "bearer  " + TOKEN})[0] == 101,
          "upgrade with 'bearer' (scheme case-insensitive): 101")

    for method, path, body in (("POST", "/webrtc/offer", offer("t-rtc")),
                               ("GET", "/metrics", None), ("GET", "/", None),
                               ("GET", "/demo/app.js", None), ("GET", "/no/such/page", None)):
        status, h, data = request(port, method, path, body=body)
        check(status == 401 and h.get("www-authenticate") == "Bearer" and
              failed_code(data) == "unauthorized",
              "%s %s without token: %d %s" % (method, path, status, data[:60]))
    status, _, data = request(port, "POST", "/webrtc/offer", bearer, offer("t-rtc"))
    check(status not in (401, 403), "signalling with Bearer passes the token check (%d)" % status)
    check(request(port, "GET", "/metrics", bearer)[0] == 200, "GET /metrics with Bearer: 200")
    check(request(port, "GET", "/metrics?token=" + TOKEN)[0] == 200, "GET /metrics?token=: 200")
    status, h, page = request(port, "GET", "/?token=" + TOKEN)
    check(status == 200 and b"/demo/app.js?token=" + TOKEN.encode() in page,
          "GET /?token=: the page, its asset links carry the token")
    check(request(port, "GET", "/demo/app.js?token=" + TOKEN)[0] == 200, "asset with ?token=: 200")
    check(metric(port, "unauthorized", bearer) >= 9, "/metrics counts the 401s as unauthorized")

    res = asyncio.run(ws_session(port, "tok-1", "?token=%s&lang=en" % TOKEN, frames=3))
    res2 = asyncio.run(ws_session(port, "tok-2", headers=bearer, frames=3))
    check(srv.wait_ended("tok-1") == (GstSessionCtx.SessionEndReason.STOP, 3) and
          srv.wait_ended("tok-2") == (GstSessionCtx.SessionEndReason.STOP, 3),
          "sessions with ?token= and Bearer stream (%s, %s)" % (srv.ended.get("tok-1"), srv.ended.get("tok-2")))
    ctx = srv.started.get("tok-1")
    meta = ctx.get_metadata() if ctx else None
    text = meta.to_string() if meta else ""
    query = meta.get_value("query") if meta else None
    check(ctx is not None and TOKEN not in text and query is not None and
          query.get_string("lang") == "en" and not query.has_field("token"),
          "the context's metadata keeps the query without the token: %s" % text)
    srv.stop()


def token_log_child():
    """Run under GST_DEBUG=*:9 by test_token_not_logged."""
    srv = Server(auth_token=TOKEN)
    bearer = {"Authorization": "Bearer " + TOKEN}
    asyncio.run(ws_session(srv.port, "log-1", "?token=" + TOKEN, frames=2))
    asyncio.run(ws_session(srv.port, "log-2", headers=bearer, frames=2))
    request(srv.port, "POST", "/webrtc/offer", bearer, offer("log-rtc"))
    request(srv.port, "GET", "/metrics?token=" + TOKEN)
    request(srv.port, "GET", "/?token=" + TOKEN)
    upgrade(srv.port, "/websocket/offer?token=wrong")
    ok = srv.wait_ended("log-1") is not None and srv.wait_ended("log-2") is not None
    srv.stop()
    print("CHILD-DONE %s" % ok)


def test_token_not_logged():
    env = dict(os.environ, GST_DEBUG="*:9", GST_DEBUG_NO_COLOR="1")
    p = subprocess.run([sys.executable, os.path.abspath(__file__), "token-log-child"],
                       capture_output=True, env=env, timeout=90)
    out = p.stdout + p.stderr
    check(p.returncode == 0 and b"CHILD-DONE True" in p.stdout,
          "GST_DEBUG=*:9 run served its sessions (rc %d, %d bytes of log)" % (p.returncode, len(out)))
    check(len(p.stderr) > 100000, "the debug log is really on (%d bytes)" % len(p.stderr))
    check(TOKEN.encode() not in out, "the token appears nowhere in the GST_DEBUG=*:9 output")


# ------------------------------------------------------------------ origins

def test_origins():
    good, evil = "http://good.example", "http://evil.example"
    srv = Server(allowed_origins="https://other.example, " + good)
    port = srv.port
    check(upgrade(port, headers={"Origin": evil})[0] == 403, "upgrade from an unlisted origin: 403")
    check(upgrade(port, headers={"Origin": good})[0] == 101, "upgrade from a listed origin: 101")
    check(upgrade(port)[0] == 101, "upgrade without Origin: 101")
    for method, path, body in (("POST", "/webrtc/offer", offer("o-rtc")), ("GET", "/metrics", None),
                               ("GET", "/", None), ("OPTIONS", "/webrtc/offer", None)):
        status, h, data = request(port, method, path, {"Origin": evil}, body)
        check(status == 403 and failed_code(data) == "forbidden_origin" and
              "access-control-allow-origin" not in h,
              "%s %s from an unlisted origin: %d, no CORS header" % (method, path, status))
    status, h, _ = request(port, "OPTIONS", "/webrtc/offer", {"Origin": good})
    check(status == 204 and h.get("access-control-allow-origin") == good and
          "Authorization" in h.get("access-control-allow-headers", ""),
          "preflight from the listed origin: 204, ACAO %s, headers %s" %
          (h.get("access-control-allow-origin"), h.get("access-control-allow-headers")))
    status, h, _ = request(port, "POST", "/webrtc/offer", {"Origin": good}, offer("o-rtc"))
    check(status not in (401, 403) and h.get("access-control-allow-origin") == good,
          "signalling from the listed origin: %d, ACAO %s" % (status, h.get("access-control-allow-origin")))
    status, h, _ = request(port, "POST", "/webrtc/offer", {}, offer("o-rtc2"))
    check(status not in (401, 403) and "access-control-allow-origin" not in h,
          "signalling without Origin passes, no CORS header (%d)" % status)
    check(request(port, "GET", "/metrics", {"Origin": good})[0] == 200 and
          request(port, "GET", "/", {"Origin": good})[0] == 200, "/metrics and / from the listed origin: 200")
    check(metric(port, "forbidden_origin") == 5, "/metrics counts 5 forbidden_origin")
    srv.stop()
    # No list: any origin, ACAO * as before.
    srv = Server()
    status, h, _ = request(srv.port, "POST", "/webrtc/offer", {"Origin": evil}, offer("any"))
    check(status != 403 and h.get("access-control-allow-origin") == "*",
          "without allowed-origins any origin passes, ACAO * (%d)" % status)
    srv.stop()


# ------------------------------------------------------------------ authorize

def test_authorize():
    for element in ("sessionsrc", "sessionbin"):
        srv = Server(element)
        seen = []

        def authorize(el, ctx):
            meta = ctx.get_metadata()
            query, headers = meta.get_value("query"), meta.get_value("headers")
            seen.append((ctx.get_id(), ctx.get_transport(), ctx.get_remote_address(),
                         meta.get_string("path"), query and query.get_string("room"),
                         headers and headers.get_string("user-agent"),
                         headers and headers.get_string("x-app-key")))
            return ctx.get_id().startswith("ok-")
        # A second handler that admits everything: the first FALSE still wins.
        srv.src.connect("authorize", authorize)
        srv.src.connect("authorize", lambda el, ctx: True)
        port = srv.port
        admitted = asyncio.run(ws_session(port, "ok-1", "?room=7", {"User-Agent": "auth-test",
                                                                     "X-App-Key": "k-42"}, frames=4))
        refused = asyncio.run(ws_session(port, "bad-1", frames=0, hold=2))
        check(srv.wait_ended("ok-1") == (GstSessionCtx.SessionEndReason.STOP, 4),
              "%s: admitted id streams (%s)" % (element, srv.ended.get("ok-1")))
        check(refused["code"] == 1008 and refused["replies"] and
              failed_code(refused["replies"][0]) == "unauthorized",
              "%s: refused id gets failed unauthorized, close %s" % (element, refused["code"]))
        time.sleep(0.2)
        srv.poll()
        check("bad-1" not in srv.started and "bad-1" not in srv.ended,
              "%s: the refused id never was a session" % element)
        first = next((s for s in seen if s[0] == "ok-1"), None)
        check(first is not None and first[1] == GstSessionCtx.SessionTransport.WEBSOCKET and
              first[2].startswith("127.0.0.1:") and first[3] == "/websocket/offer" and
              first[4] == "7" and first[5] == "auth-test" and first[6] == "k-42",
              "%s: the context has id, transport, remote, path, query, headers: %s" % (element, first))
        status, _, data = request(port, "POST", "/webrtc/offer", {}, offer("bad-rtc"))
        check(status == 403 and failed_code(data) == "unauthorized",
              "%s: refused offer: HTTP %d %s" % (element, status, data))
        rtc = next((s for s in seen if s[0] == "bad-rtc"), None)
        check(rtc is not None and rtc[1] == GstSessionCtx.SessionTransport.WEBRTC and
              rtc[3] == "/webrtc/offer", "%s: authorize saw the offer as webrtc" % element)
        srv.stop()


# ------------------------------------------------------------------ per address

def test_per_address():
    srv = Server(max_sessions_per_address=2)
    port = srv.port

    async def scenario():
        a = asyncio.create_task(ws_session(port, "pa-1", frames=60, pace=0.02))
        b = asyncio.create_task(ws_session(port, "pa-2", frames=60, pace=0.02))
        await asyncio.sleep(0.4)
        third = await ws_session(port, "pa-3", hold=2)
        status, _, data = await asyncio.to_thread(request, port, "POST", "/webrtc/offer", {}, offer("pa-rtc"))
        return await a, await b, third, (status, data)

    a, b, third, rtc = asyncio.run(scenario())
    check(third["code"] == 1008 and third["replies"] and
          failed_code(third["replies"][0]) == "address_limit_reached" and
          json.loads(third["replies"][0])["meta"].get("limit") == 2,
          "third WebSocket from the address: address_limit_reached (limit 2), close %s" % third["code"])
    check(rtc[0] == 200 and failed_code(rtc[1]) == "address_limit_reached",
          "an offer from the address: failed address_limit_reached (%d %s)" % rtc)
    check(srv.wait_ended("pa-1") == (GstSessionCtx.SessionEndReason.STOP, 60) and
          srv.wait_ended("pa-2") == (GstSessionCtx.SessionEndReason.STOP, 60),
          "its two sessions streamed on, every frame (%s %s)" % (srv.ended.get("pa-1"), srv.ended.get("pa-2")))
    again = asyncio.run(ws_session(port, "pa-4", frames=2))
    check(srv.wait_ended("pa-4") == (GstSessionCtx.SessionEndReason.STOP, 2),
          "after they ended the address is admitted again (%s)" % again["code"])
    check(metric(port, "address_limit_reached") == 2, "/metrics counts 2 address_limit_reached")
    srv.stop()

    # Behind a trusted proxy (the test's own loopback address).
    srv = Server(max_sessions_per_address=1, trusted_proxies="127.0.0.1")
    port = srv.port

    async def proxied():
        a = asyncio.create_task(ws_session(port, "px-a", headers={"X-Forwarded-For": "10.0.0.1"},
                                           frames=30, pace=0.02))
        await asyncio.sleep(0.3)
        # The client wrote an address of its own before the proxy's entry.
        same = await ws_session(port, "px-b", headers={"X-Forwarded-For": "10.9.9.9, 10.0.0.1"}, hold=2)
        other = await ws_session(port, "px-c", headers={"X-Forwarded-For": "10.0.0.2"}, frames=2)
        return await a, same, other

    a, same, other = asyncio.run(proxied())
    check(failed_code((same["replies"] or [""])[0]) == "address_limit_reached",
          "trusted proxy: the right-most forwarded address counts (spoofed left part ignored)")
    check(srv.wait_ended("px-c") == (GstSessionCtx.SessionEndReason.STOP, 2),
          "trusted proxy: another forwarded address is admitted")
    srv.poll()
    ctx = srv.started.get("px-a")
    check(ctx is not None and ctx.get_remote_address() == "10.0.0.1",
          "trusted proxy: remote-address is the forwarded one (%s)" % (ctx and ctx.get_remote_address()))
    srv.stop()

    # Not trusted: X-Forwarded-For changes nothing.
    srv = Server(max_sessions_per_address=1)
    port = srv.port

    async def untrusted():
        a = asyncio.create_task(ws_session(port, "ut-a", headers={"X-Forwarded-For": "10.0.0.1"},
                                           frames=20, pace=0.02))
        await asyncio.sleep(0.3)
        b = await ws_session(port, "ut-b", headers={"X-Forwarded-For": "10.0.0.2"}, hold=2)
        return await a, b

    a, b = asyncio.run(untrusted())
    srv.poll()
    ctx = srv.started.get("ut-a")
    check(failed_code((b["replies"] or [""])[0]) == "address_limit_reached" and
          ctx is not None and ctx.get_remote_address().startswith("127.0.0.1:"),
          "untrusted peer: X-Forwarded-For ignored (%s)" % (ctx and ctx.get_remote_address()))
    srv.stop()


# ------------------------------------------------------------------ handshake

def test_handshake_timeout():
    srv = Server(handshake_timeout=2)
    port = srv.port

    async def silent():
        async with websockets.connect("ws://127.0.0.1:%d/websocket/offer" % port) as ws:
            t0 = time.monotonic()
            try:
                await asyncio.wait_for(ws.wait_closed(), 6)
            except asyncio.TimeoutError:
                pass
            return time.monotonic() - t0, ws.close_code, ws.close_reason

    async def both():
        quiet = asyncio.create_task(silent())
        talker = asyncio.create_task(ws_session(port, "hs-ok", frames=150, pace=0.02))
        return await quiet, await talker

    (elapsed, code, reason), talker = asyncio.run(both())
    check(code == 1000 and reason == "connect-timeout" and 1.9 <= elapsed <= 3.6,
          "no start: closed %s %r after %.1f s (timeout 2 s)" % (code, reason, elapsed))
    check(srv.wait_ended("hs-ok") == (GstSessionCtx.SessionEndReason.STOP, 150),
          "a session that sent start streams past the timeout (%s)" % (srv.ended.get("hs-ok"),))
    srv.stop()


# ------------------------------------------------------------------ hammer

def test_hammer():
    good = "http://good.example"
    srv = Server(auth_token=TOKEN, allowed_origins=good, max_sessions_per_address=2)
    srv.src.connect("authorize", lambda el, ctx: not ctx.get_id().startswith("no-"))
    port = srv.port
    q = "?token=" + TOKEN
    n_frames = 150
    counts = {"401": 0, "403": 0, "unauthorized": 0, "address": 0}
    refused = set()

    async def hammer(stop):
        i = 0
        while not stop.is_set():
            i += 1
            s1 = (await asyncio.to_thread(upgrade, port, "/websocket/offer?token=nope"))[0]
            s2 = (await asyncio.to_thread(upgrade, port, "/websocket/offer" + q, {"Origin": "http://evil"}))[0]
            counts["401"] += s1 == 401
            counts["403"] += s2 == 403
            r = await ws_session(port, "no-%d" % i, q, hold=1)
            counts["unauthorized"] += failed_code((r["replies"] or [""])[0]) == "unauthorized"
            refused.add("no-%d" % i)
            r = await ws_session(port, "extra-%d" % i, q, hold=1)
            if failed_code((r["replies"] or [""])[0]) == "address_limit_reached":
                counts["address"] += 1
                refused.add("extra-%d" % i)
            st, _, _ = await asyncio.to_thread(request, port, "POST", "/webrtc/offer",
                                               {"Authorization": "Bearer " + TOKEN}, offer("no-rtc-%d" % i))

    async def scenario():
        stop = asyncio.Event()
        # Two streaming sessions hold the address's share.
        a = asyncio.create_task(ws_session(port, "stream-a", q, frames=n_frames, pace=0.02))
        b = asyncio.create_task(ws_session(port, "stream-b", q, {"Origin": good}, frames=n_frames, pace=0.02))
        await asyncio.sleep(0.3)
        h = asyncio.create_task(hammer(stop))
        ra, rb = await a, await b
        stop.set()
        await h
        return ra, rb

    ra, rb = asyncio.run(scenario())
    check(srv.wait_ended("stream-a") == (GstSessionCtx.SessionEndReason.STOP, n_frames) and
          srv.wait_ended("stream-b") == (GstSessionCtx.SessionEndReason.STOP, n_frames),
          "streaming sessions lost no frame while refused clients hammered (%s %s)" %
          (srv.ended.get("stream-a"), srv.ended.get("stream-b")))
    check(ra["code"] == 1000 and rb["code"] == 1000, "and closed normally after stop")
    check(all(v >= 3 for v in counts.values()), "every kind of refusal was hammered: %s" % counts)
    srv.poll()
    # (An extra- client of the last round may come after the streams ended:
    # then it is admitted, as it should be.)
    check({"stream-a", "stream-b"} <= set(srv.started) and not refused & set(srv.started) and
          not any(i.startswith("no-") for i in srv.started),
          "no refused client became a session (%d refused, started: %s)" % (len(refused), sorted(srv.started)))
    bearer = {"Authorization": "Bearer " + TOKEN}
    check(metric(port, "unauthorized", bearer) >= counts["401"] + counts["unauthorized"] and
          metric(port, "forbidden_origin", bearer) >= counts["403"] and
          metric(port, "address_limit_reached", bearer) >= counts["address"],
          "/metrics counts every refusal by code")
    srv.stop()


CASES = {"token": test_token, "token-log": test_token_not_logged, "origins": test_origins,
         "authorize": test_authorize, "per-address": test_per_address,
         "handshake": test_handshake_timeout, "hammer": test_hammer}

if __name__ == "__main__":
    list_cases(CASES)
    if sys.argv[1:] == ["token-log-child"]:
        token_log_child()
        sys.exit(0)
    for name in sys.argv[1:] or CASES:
        print("== %s" % name, flush=True)
        CASES[name]()
    print("%d failure(s)" % len(failures))
    sys.exit(1 if failures else 0)
