#!/usr/bin/env python3
"""Twilio phone calls end to end, against a real server process
(`gst-launch-1.0 sessionsrc rate=8000 ! sessionsink`: Twilio's µ-law comes
back byte for byte): the incoming-call webhook POST /telephone/incoming,
its TwiML (parsed with xml.etree), X-Twilio-Signature on the webhook and on
the media upgrade, each signature computed here with Python's hmac and
hashlib from Twilio's documented algorithm (independent of the server's).

    twiml       no token: 200 text/xml, <Response><Say/><Connect><Stream
                url="wss://HOST/telephone/handler"/></Connect><Say/>
                </Response>, HOST from the Host header; X-Forwarded-* of an
                untrusted peer ignored; GET too, PUT 405, a bad Host 400,
                /metrics counts by status
    proxy       trusted-proxies: X-Forwarded-Proto and X-Forwarded-Host (first
                entries) give the stream URL and the URL signatures cover
    public-url  public-url (with a path) gives both, whatever Host says;
                http:// gives ws://; one that is no URL fails the start
    signature   twilio-auth-token: unsigned 403, correctly signed 200,
                tampered (a value, a parameter more, the query, the token)
                403, the URL with its port left out 200, GET signed over its
                query 200; /metrics counts the refusals by reason
    media       twilio-auth-token: the /telephone/handler upgrade unsigned or
                wrongly signed 403, signed over its ws:// URL 101 and the
                Twilio stream echoes; /websocket/offer needs no signature
    token       auth-token too: the webhook needs it (401 without, even
                signed; ?token= is signed with the URL), the media upgrade is
                admitted by its signature alone; allowed-origins still 403;
                neither token is ever logged (GST_DEBUG=session*:9)
    drain       under gst-sessionctx-serve, SIGTERM with a call live: the
                webhook answers 503 draining (Retry-After) to a signed
                request (403 still to an unsigned one), the live call goes on
    e2e         over TLS: the webhook (https) answers TwiML whose Stream URL,
                connected to exactly as Twilio would (wss, signed over it),
                carries a call that echoes
"""
import asyncio
import base64
import signal
import hashlib
import hmac
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET

import websockets

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from checks import check, run_cases  # noqa: E402
from servers import free_port, stop_server, wait_listening  # noqa: E402
from webapi import failed_code, metrics, request  # noqa: E402

SERVE = os.environ.get("SESSIONCTX_SERVE") or os.path.join(
    HERE, "..", "build", "tools", "gst-sessionctx-serve")
TWILIO_TOKEN = "tw1l10-Auth-t0ken"
AUTH_TOKEN = "s3rver-T0ken"
CALL = {"AccountSid": "AC0123456789abcdef", "ApiVersion": "2010-04-01",
        "CallSid": "CA1234567890ABCDE", "CallStatus": "ringing",
        "Called": "+18005551212", "Caller": "+14158675310",
        "Direction": "inbound", "From": "+14158675310", "To": "+18005551212",
        "CallerName": ""}


def twilio_signature(url, params, token):
    """Twilio's documented algorithm: the URL, then each POST parameter's
    name and value sorted by name (values of a repeated name sorted too),
    HMAC-SHA1 with the auth token, base64."""
    data = url + "".join(k + v for k, v in sorted(params.items()))
    mac = hmac.new(token.encode(), data.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


class Server:
    """gst-launch-1.0 (or @launcher) sessionsrc rate=8000 PROPS !
    sessionsink on a free loopback port."""

    def __init__(self, *props, env=None, expect_start=True, launcher="gst-launch-1.0"):
        self.port = free_port()
        args = [launcher, "sessionsrc", "port=%d" % self.port,
                "address=127.0.0.1", "rate=8000", *props, "!", "sessionsink"]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     env=env or os.environ.copy())
        self.up = wait_listening(self.port, 20, self.proc)
        if expect_start:
            check(self.up, "server with %s listens" % (" ".join(props) or "defaults"))

    def stop(self):
        return stop_server(self.proc)


def webhook(port, params=None, url=None, token=TWILIO_TOKEN, path="/telephone/incoming",
            headers=None, sign_params=None, context=None):
    """POSTs Twilio's form to @path; signed over @url (None: unsigned) and
    @sign_params (default: what is posted)."""
    params = CALL if params is None else params
    h = {"Content-Type": "application/x-www-form-urlencoded",
         "User-Agent": "TwilioProxy/1.1"}
    if url is not None:
        h["X-Twilio-Signature"] = twilio_signature(
            url, params if sign_params is None else sign_params, token)
    h.update(headers or {})
    return request(port, "POST", path, h, urllib.parse.urlencode(params), context)


def stream_url(body):
    """The Stream URL of the TwiML @body, after checking its shape (as
    FastRTC's: Say, Connect/Stream, Say); None when it is not that."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    if root.tag != "Response" or [c.tag for c in root] != ["Say", "Connect", "Say"]:
        return None
    streams = root.findall("Connect/Stream")
    if len(streams) != 1 or not root[0].text:
        return None
    return streams[0].get("url")


def upgrade(port, path="/telephone/handler", headers=None):
    """A raw WebSocket upgrade: its HTTP status and body."""
    h = {"Upgrade": "websocket", "Connection": "Upgrade",
         "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"}
    h.update(headers or {})
    status, _h, body = request(port, "GET", path, h)
    return status, body


async def twilio_call(url, signature=None, ssl_context=None, frames=25, sid="MZ1"):
    """A Twilio Media Stream: connected, start, @frames 20 ms µ-law frames
    at real-time pace, then what comes back until all of it is there (or
    10 s), stop. Returns (sent, received) bytes."""
    sent = b"".join(bytes([k % 120 + 1, k // 120 + 130]) * 80 for k in range(frames))
    got = bytearray()
    headers = {"X-Twilio-Signature": signature} if signature else {}
    async with websockets.connect(url, extra_headers=headers, ssl=ssl_context,
                                  open_timeout=10) as ws:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call",
                                  "version": "1.0.0"}))
        await ws.send(json.dumps({"event": "start", "sequenceNumber": "1",
                                  "streamSid": sid, "start": {
                                      "streamSid": sid, "callSid": CALL["CallSid"],
                                      "accountSid": CALL["AccountSid"],
                                      "tracks": ["inbound"],
                                      "mediaFormat": {"encoding": "audio/x-mulaw",
                                                      "sampleRate": 8000,
                                                      "channels": 1}}}))

        async def reader():
            while len(got) < len(sent):
                msg = json.loads(await ws.recv())
                if msg.get("event") == "media":
                    got.extend(base64.b64decode(msg["media"]["payload"]))

        task = asyncio.ensure_future(reader())
        for k in range(frames):
            await ws.send(json.dumps({"event": "media", "streamSid": sid, "media": {
                "track": "inbound", "chunk": str(k + 1), "timestamp": str(20 * k),
                "payload": base64.b64encode(sent[160 * k:160 * (k + 1)]).decode()}}))
            await asyncio.sleep(0.02)
        try:
            await asyncio.wait_for(task, 10)
        except asyncio.TimeoutError:
            pass
        await ws.send(json.dumps({"event": "stop", "streamSid": sid}))
    return sent, bytes(got)


def call(url, **kw):
    try:
        return asyncio.run(twilio_call(url, **kw))
    except (OSError, websockets.exceptions.WebSocketException) as e:
        print("     call to %s failed: %r" % (url, e), flush=True)
        return b"x", b""


def refusal(url, **kw):
    """The HTTP status with which the server refused the call's upgrade;
    None when it took the call."""
    try:
        asyncio.run(twilio_call(url, **kw))
    except websockets.exceptions.InvalidStatusCode as e:
        return e.status_code
    return None


def echoed(result):
    sent, got = result
    return len(sent) > 1 and got[:len(sent)] == sent


# ------------------------------------------------------------------ cases

def case_twiml():
    srv = Server()
    port = srv.port
    status, h, body = webhook(port)
    url = stream_url(body)
    check(status == 200 and h.get("content-type", "").startswith("text/xml"),
          "POST /telephone/incoming: %d %s" % (status, h.get("content-type")))
    check(url == "wss://127.0.0.1:%d/telephone/handler" % port,
          "TwiML <Say/><Connect><Stream/></Connect><Say/>, Stream url %s (from Host)" % url)
    status, _, body = webhook(port, headers={"Host": "voice.example.com"})
    url = stream_url(body)
    check(status == 200 and url == "wss://voice.example.com/telephone/handler",
          "Host voice.example.com: %s" % url)
    status, _, body = webhook(port, headers={"X-Forwarded-Host": "evil.example",
                                             "X-Forwarded-Proto": "http"})
    url = stream_url(body)
    check(url == "wss://127.0.0.1:%d/telephone/handler" % port,
          "X-Forwarded-* of an untrusted peer ignored: %s" % url)
    status, _, body = request(port, "GET", "/telephone/incoming?" + urllib.parse.urlencode(CALL))
    check(status == 200 and stream_url(body) is not None, "GET (a webhook set to GET): %d" % status)
    status, h, _ = request(port, "PUT", "/telephone/incoming", body=b"")
    check(status == 405 and "POST" in h.get("allow", ""), "PUT: %d, Allow %s" % (status, h.get("allow")))
    status, _, _ = webhook(port, path="/telephone/incoming/x")
    check(status == 404, "/telephone/incoming/x: %d" % status)
    for bad in ('evil"><Hangup/>', "a b", "h:99999"):
        status, _, body = webhook(port, headers={"Host": bad})
        check(status == 400 and b"Hangup" not in body and b"<" not in body,
              "Host %r: %d, nothing echoed" % (bad, status))
    m = metrics(port)
    check(m.get('sessionctx_twilio_webhook_requests_total{code="200"}') == 4 and
          m.get('sessionctx_twilio_webhook_requests_total{code="405"}') == 1 and
          m.get('sessionctx_twilio_webhook_requests_total{code="404"}') == 1,
          "/metrics counts the webhook by status: %s" %
          {k[-5:-1]: v for k, v in m.items() if "webhook" in k})
    # The TwiML's URL carries a call (plain ws: this server has no TLS).
    check(echoed(call("ws://127.0.0.1:%d/telephone/handler" % port)),
          "a Twilio stream on /telephone/handler echoes (no token: no signature asked)")
    srv.stop()


def case_proxy():
    srv = Server("trusted-proxies=127.0.0.1", "twilio-auth-token=" + TWILIO_TOKEN)
    port = srv.port
    fwd = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "voice.example.com"}
    public = "https://voice.example.com/telephone/incoming"
    status, _, body = webhook(port, url=public, headers=fwd)
    url = stream_url(body)
    check(status == 200 and url == "wss://voice.example.com/telephone/handler",
          "trusted proxy: signed over %s: %d, Stream url %s" % (public, status, url))
    local = "http://127.0.0.1:%d/telephone/incoming" % port
    status, _, _ = webhook(port, url=local, headers=fwd)
    check(status == 403, "signed over the local URL behind the proxy: %d" % status)
    many = {"X-Forwarded-Proto": "https, http",
            "X-Forwarded-Host": "voice.example.com, internal.lan:8080"}
    status, _, body = webhook(port, url=public, headers=many)
    check(status == 200 and stream_url(body) == "wss://voice.example.com/telephone/handler",
          "several proxies: the first entries count: %d" % status)
    status, _, body = webhook(port, url="http://voice.example.com/telephone/incoming",
                              headers={"X-Forwarded-Host": "voice.example.com"})
    check(status == 200 and stream_url(body) == "wss://voice.example.com/telephone/handler",
          "X-Forwarded-Host alone: the port's own scheme (http): %d" % status)
    status, _, _ = webhook(port, url=public, headers={"X-Forwarded-Proto": "https",
                                                      "X-Forwarded-Host": "evil\"x"})
    check(status == 403, "an invalid X-Forwarded-Host: %d" % status)
    # The media upgrade behind the proxy: the wss URL it forwards.
    wss = "wss://voice.example.com/telephone/handler"
    status = refusal("ws://127.0.0.1:%d/telephone/handler" % port,
                     signature=twilio_signature(wss, {}, TWILIO_TOKEN))
    check(status == 403, "upgrade signed over %s without the proxy's headers: refused (%s)"
          % (wss, status))
    status, _ = upgrade(port, headers=dict(fwd, **{
        "X-Twilio-Signature": twilio_signature(wss, {}, TWILIO_TOKEN)}))
    check(status == 101, "upgrade with the proxy's headers, signed over %s: %d" % (wss, status))
    srv.stop()


def case_public_url():
    srv = Server("public-url=https://pub.example.com/voice/", "trusted-proxies=127.0.0.1",
                 "twilio-auth-token=" + TWILIO_TOKEN)
    port = srv.port
    public = "https://pub.example.com/voice/telephone/incoming"
    status, _, body = webhook(port, url=public, headers={
        "Host": "127.0.0.1", "X-Forwarded-Host": "other.example"})
    url = stream_url(body)
    check(status == 200 and url == "wss://pub.example.com/voice/telephone/handler",
          "public-url: signed over %s: %d, Stream url %s" % (public, status, url))
    status, _, _ = webhook(port, url="http://127.0.0.1:%d/telephone/incoming" % port)
    check(status == 403, "signed over the local URL: %d" % status)
    wss = "wss://pub.example.com/voice/telephone/handler"
    check(echoed(call("ws://127.0.0.1:%d/telephone/handler" % port,
                      signature=twilio_signature(wss, {}, TWILIO_TOKEN))),
          "the media upgrade signed over %s echoes" % wss)
    srv.stop()

    srv = Server("public-url=http://127.0.0.1:8080")
    status, _, body = webhook(srv.port)
    url = stream_url(body)
    check(url == "ws://127.0.0.1:8080/telephone/handler", "public-url http:// gives %s" % url)
    srv.stop()

    for bad in ("voice.example.com", "https://pub.example.com/?x=1", "ftp://pub.example.com"):
        srv = Server("public-url=" + bad, expect_start=False)
        try:
            out, _ = srv.proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            out = srv.stop()
        check(srv.proc.returncode != 0 and b"public-url" in out,
              "public-url=%s: the start fails naming it (rc %s)" % (bad, srv.proc.returncode))


def case_signature():
    srv = Server("twilio-auth-token=" + TWILIO_TOKEN)
    port = srv.port
    url = "http://127.0.0.1:%d/telephone/incoming" % port
    status, _, body = webhook(port)
    check(status == 403 and failed_code(body) == "invalid_signature",
          "unsigned: %d %s" % (status, failed_code(body)))
    status, h, body = webhook(port, url=url)
    check(status == 200 and h.get("content-type", "").startswith("text/xml") and
          stream_url(body) == "wss://127.0.0.1:%d/telephone/handler" % port,
          "signed (hmac here, over %s and the form): %d, TwiML" % (url, status))
    tampered = dict(CALL, From="+19995550000")
    status, _, body = webhook(port, params=tampered, url=url, sign_params=CALL)
    check(status == 403 and failed_code(body) == "invalid_signature",
          "a tampered value (From): %d" % status)
    status, _, _ = webhook(port, params=dict(CALL, Digits="1"), url=url, sign_params=CALL)
    check(status == 403, "a parameter added: %d" % status)
    status, _, _ = webhook(port, url=url, token="another-token")
    check(status == 403, "signed with another token: %d" % status)
    status, _, _ = webhook(port, url=url, headers={"X-Twilio-Signature": "garbage"})
    check(status == 403, "a signature that is not one: %d" % status)
    status, _, _ = webhook(port, url=url + "?x=1", path="/telephone/incoming?x=2")
    check(status == 403, "the query changed after signing: %d" % status)
    status, _, _ = webhook(port, url=url + "?x=1&y=%2B1", path="/telephone/incoming?x=1&y=%2B1")
    check(status == 200, "the query signed as sent: %d" % status)
    status, _, _ = webhook(port, url="http://127.0.0.1/telephone/incoming")
    check(status == 200, "signed without the port (Twilio's validators accept it): %d" % status)
    status, _, _ = webhook(port, url="https://127.0.0.1:%d/telephone/incoming" % port)
    check(status == 403, "signed over https on a plain port: %d" % status)
    query = urllib.parse.urlencode(CALL)
    status, _, body = request(port, "GET", "/telephone/incoming?" + query, {
        "X-Twilio-Signature": twilio_signature(url + "?" + query, {}, TWILIO_TOKEN)})
    check(status == 200 and stream_url(body), "GET signed over its query: %d" % status)
    status, _, _ = request(port, "POST", "/telephone/incoming", {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": twilio_signature(url, {}, TWILIO_TOKEN)}, "a=%zz")
    check(status == 403, "a form body that does not parse: %d" % status)
    m = metrics(port)
    miss = m.get('sessionctx_twilio_signature_refusals_total{route="/telephone/incoming",reason="missing"}')
    bad = m.get('sessionctx_twilio_signature_refusals_total{route="/telephone/incoming",reason="invalid"}')
    ok = m.get('sessionctx_twilio_webhook_requests_total{code="200"}')
    errors = m.get('sessionctx_protocol_errors_total{code="invalid_signature"}')
    check(miss == 1 and bad == 7 and ok == 4 and errors == 8,
          "/metrics: refusals missing %s, invalid %s; 200s %s; protocol errors %s" % (
              miss, bad, ok, errors))
    srv.stop()


def case_media():
    srv = Server("twilio-auth-token=" + TWILIO_TOKEN)
    port = srv.port
    ws_url = "ws://127.0.0.1:%d/telephone/handler" % port
    status, body = upgrade(port)
    check(status == 403 and failed_code(body) == "invalid_signature",
          "unsigned upgrade: %d %s" % (status, failed_code(body)))
    status, _ = upgrade(port, headers={"X-Twilio-Signature": twilio_signature(
        ws_url, {}, "another-token")})
    check(status == 403, "upgrade signed with another token: %d" % status)
    status, _ = upgrade(port, headers={"X-Twilio-Signature": twilio_signature(
        "http://127.0.0.1:%d/telephone/handler" % port, {}, TWILIO_TOKEN)})
    check(status == 403, "upgrade signed over the http:// URL: %d" % status)
    status = refusal(ws_url)
    check(status == 403, "an unsigned Twilio stream is refused: %s" % status)
    check(echoed(call(ws_url, signature=twilio_signature(ws_url, {}, TWILIO_TOKEN))),
          "a stream signed over %s connects and echoes" % ws_url)
    status, _ = upgrade(port, "/websocket/offer")
    check(status == 101, "/websocket/offer (FastRTC) needs no signature: %d" % status)
    m = metrics(port)
    miss = m.get('sessionctx_twilio_signature_refusals_total{route="/telephone/handler",reason="missing"}')
    bad = m.get('sessionctx_twilio_signature_refusals_total{route="/telephone/handler",reason="invalid"}')
    check(miss == 2 and bad == 2, "/metrics: upgrades refused, missing %s, invalid %s" % (miss, bad))
    srv.stop()


def case_token():
    env = os.environ.copy()
    env["GST_DEBUG"] = "session*:9"
    srv = Server("auth-token=" + AUTH_TOKEN, "twilio-auth-token=" + TWILIO_TOKEN,
                 "allowed-origins=https://app.example", env=env)
    port = srv.port
    base = "http://127.0.0.1:%d/telephone/incoming" % port
    status, h, body = webhook(port, url=base)
    check(status == 401 and failed_code(body) == "unauthorized" and "www-authenticate" in h,
          "webhook signed, without the auth-token: %d" % status)
    path = "/telephone/incoming?token=" + AUTH_TOKEN
    status, _, body = webhook(port, url="http://127.0.0.1:%d%s" % (port, path), path=path)
    url = stream_url(body)
    check(status == 200 and url == "wss://127.0.0.1:%d/telephone/handler" % port and
          AUTH_TOKEN.encode() not in body,
          "webhook with ?token= signed with the URL: %d, Stream url %s (no token in it)" % (status, url))
    status, _, _ = webhook(port, path=path)
    check(status == 403, "webhook with ?token=, unsigned: %d" % status)
    status, _, _ = webhook(port, url=base, headers={"Authorization": "Bearer " + AUTH_TOKEN})
    check(status == 200, "webhook with Authorization: Bearer, signed: %d" % status)
    status, _, body = webhook(port, url="http://127.0.0.1:%d%s" % (port, path), path=path,
                              headers={"Origin": "https://evil.example"})
    check(status == 403 and failed_code(body) == "forbidden_origin",
          "webhook from an unlisted Origin: %d %s" % (status, failed_code(body)))
    ws_url = "ws://127.0.0.1:%d/telephone/handler" % port
    check(echoed(call(ws_url, signature=twilio_signature(ws_url, {}, TWILIO_TOKEN))),
          "media upgrade signed, without the auth-token: admitted, echoes")
    status, _ = upgrade(port)
    check(status == 401, "media upgrade unsigned, without the auth-token: %d" % status)
    status, _ = upgrade(port, "/telephone/handler?token=" + AUTH_TOKEN)
    check(status == 403, "media upgrade unsigned, with the auth-token: %d" % status)
    status, _ = upgrade(port, "/websocket/offer", {"X-Twilio-Signature": twilio_signature(
        "ws://127.0.0.1:%d/websocket/offer" % port, {}, TWILIO_TOKEN)})
    check(status == 401, "a signature admits nothing on /websocket/offer: %d" % status)
    out = srv.stop()
    check(b"answered an incoming call" in out and b"refused a Twilio request" in out and
          b"refused a request" in out,
          "the debug log is on and shows the webhook answered and refused (%d bytes)" % len(out))
    check(TWILIO_TOKEN.encode() not in out and AUTH_TOKEN.encode() not in out,
          "neither token appears in the GST_DEBUG=session*:9 output")


def case_drain():
    srv = Server("twilio-auth-token=" + TWILIO_TOKEN, launcher=SERVE)
    port = srv.port
    ws_url = "ws://127.0.0.1:%d/telephone/handler" % port
    hook = "http://127.0.0.1:%d/telephone/incoming" % port
    answers = {}

    async def run():
        headers = {"X-Twilio-Signature": twilio_signature(ws_url, {}, TWILIO_TOKEN)}
        async with websockets.connect(ws_url, extra_headers=headers, open_timeout=10) as ws:
            await ws.send(json.dumps({"event": "start", "streamSid": "MZd", "start": {
                "streamSid": "MZd", "callSid": "CAd", "mediaFormat": {
                    "encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}}))
            frame = base64.b64encode(bytes([0x55] * 160)).decode()
            await ws.send(json.dumps({"event": "media", "streamSid": "MZd",
                                      "media": {"payload": frame}}))
            await asyncio.wait_for(ws.recv(), 10)       # the echo: started
            srv.proc.send_signal(signal.SIGTERM)
            await asyncio.sleep(0.5)
            answers["signed"] = await asyncio.to_thread(webhook, port, None, hook)
            answers["unsigned"] = await asyncio.to_thread(webhook, port)
            await ws.send(json.dumps({"event": "media", "streamSid": "MZd",
                                      "media": {"payload": frame}}))
            answers["live"] = json.loads(await asyncio.wait_for(ws.recv(), 10))
            await ws.send(json.dumps({"event": "stop", "streamSid": "MZd"}))

    asyncio.run(run())
    status, h, body = answers["signed"]
    check(status == 503 and h.get("retry-after") == "5" and body == b"draining\n",
          "draining: a signed webhook gets %d %r, Retry-After %s" % (status, body, h.get("retry-after")))
    check(answers["unsigned"][0] == 403, "draining: an unsigned one still %d" % answers["unsigned"][0])
    check(answers["live"].get("event") == "media", "the live call still hears its echo")
    try:
        srv.proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        srv.stop()
    check(srv.proc.returncode == 0, "the launcher exits 0 once the call ended (%s)" % srv.proc.returncode)


def case_e2e():
    with tempfile.TemporaryDirectory() as d:
        cert, key = os.path.join(d, "c.crt"), os.path.join(d, "c.key")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        srv = Server("tls-certificate-file=" + cert, "tls-key-file=" + key,
                     "twilio-auth-token=" + TWILIO_TOKEN)
        port = srv.port
        ctx = ssl.create_default_context(cafile=cert)
        hook = "https://127.0.0.1:%d/telephone/incoming" % port
        status, h, body = webhook(port, url=hook, context=ctx)
        url = stream_url(body)
        check(status == 200 and url == "wss://127.0.0.1:%d/telephone/handler" % port,
              "https webhook signed over %s: %d, Stream url %s" % (hook, status, url))
        if url:
            t0 = time.time()
            result = call(url, signature=twilio_signature(url, {}, TWILIO_TOKEN),
                          ssl_context=ctx, frames=50)
            check(echoed(result), "the call streams to the TwiML's URL (wss, signed) and "
                  "hears its 1 s back byte for byte (%d of %d bytes, %.1f s)" % (
                      len(result[1]), len(result[0]), time.time() - t0))
            status = refusal(url, ssl_context=ctx)
            check(status == 403, "the same URL unsigned: refused (%s)" % status)
        srv.stop()


CASES = {
    "twiml": case_twiml,
    "proxy": case_proxy,
    "public-url": case_public_url,
    "signature": case_signature,
    "media": case_media,
    "token": case_token,
    "drain": case_drain,
    "e2e": case_e2e,
}

if __name__ == "__main__":
    run_cases(CASES)
