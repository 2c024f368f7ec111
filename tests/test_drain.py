#!/usr/bin/env python3
"""Drain and health (issue 21, items 1 and 2) with real processes and real
clients: the launcher `gst-sessionctx-serve` (tools/serve/) running a
pipeline, Python `websockets` FastRTC clients streaming at real-time pace,
http.client for /healthz, /readyz, /metrics, raw upgrades and signalling
POSTs.

  sigterm       `sessionsrc ! sessionsink` under the launcher, a client
                streaming: SIGTERM -> /readyz 503 `draining` (Retry-After),
                /healthz 200, a new upgrade 503 `draining` with
                Retry-After, a new WebRTC offer 503 with the failed JSON
                `draining`, a trickled candidate still answered, a
                WebSocket upgraded before the drain refused at its start
                (failed `draining`, close 1001); the live client keeps
                hearing its echo until it stops; then the process exits 0
                by EOS; /metrics: sessionctx_draining 1, each refusal
                counted
  timeout       sessionbin drain-timeout=2 io-threads=2 with a WAV recorder
                per session and two clients that never stop: each gets
                close 1001 about 2 s after SIGTERM, the process exits 0,
                each WAV file is whole (RIFF and data sizes match the file)
                and holds what its client sent
  sigint        sessionbin echo under the launcher: SIGINT closes the live
                client with 1001 at once, exit 0
  second-signal drain-timeout=0: the session goes on after SIGTERM; a
                second SIGTERM stops at once (exit 2, the client gets 1001)
  readyz-full   max-sessions=1: /readyz 503 `full` while one session is
                live (HEAD too), 200 `ready` once it ended; POST 405
  auth          auth-token: /healthz and /readyz 401 without the token,
                200 with it (Bearer or ?token=); /metrics counts the health
                requests by path and code
  gi            without gst-launch: both elements have the `drain` action
                signal and a read-only `draining` property, sessionsrc the
                `drained` signal, sessionbin `handler-timeout`; drain with
                no session ends the stream at once (EOS on the bus) for
                sessionsrc and sessionbin; drain on a stopped element does
                nothing
"""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GObject, Gst  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from checks import check, run_cases  # noqa: E402
from pacedclient import PacedClient  # noqa: E402
from servers import free_port, wait_listening, why_not_listening  # noqa: E402
from webapi import failed_code, metrics, request, wait_for  # noqa: E402

Gst.init(None)

SERVE = os.environ.get("SESSIONCTX_SERVE") or os.path.join(
    HERE, "..", "build", "tools", "gst-sessionctx-serve")
TOKEN = "drain-Test_token"


# ------------------------------------------------------------------ helpers

class Serve:
    """gst-sessionctx-serve running @args on a free loopback port."""

    def __init__(self, *args):
        self.port = free_port()
        argv = [SERVE] + [a.replace("PORT", str(self.port)) for a in args]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        if not wait_listening(self.port, 20, self.proc):
            why = why_not_listening(self.proc, self.port)
            out, err = self.proc.communicate(timeout=10)
            raise RuntimeError("the launcher does not listen:\n%s\n%s"
                               % (why, err))

    def signal(self, signum):
        self.proc.send_signal(signum)

    def wait(self, timeout):
        """(exit status or None, stderr)"""
        try:
            _out, err = self.proc.communicate(timeout=timeout)
            return self.proc.returncode, err
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _out, err = self.proc.communicate()
            return None, err


def upgrade(port, path="/websocket/offer"):
    """A raw WebSocket upgrade: (status, headers, body)."""
    return request(port, "GET", path, {
        "Upgrade": "websocket", "Connection": "Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13"})


def post_json(port, obj):
    return request(port, "POST", "/webrtc/offer",
                   {"Content-Type": "application/json"}, json.dumps(obj))


def raw_upgraded(port):
    """A socket upgraded to a WebSocket that has not sent its start."""
    s = socket.create_connection(("127.0.0.1", port), 10)
    s.sendall(b"GET /websocket/offer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              b"Sec-WebSocket-Version: 13\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(4096)
        if not chunk:
            break
        head += chunk
    return s, head.split(b"\r\n", 1)[0]


def ws_text_frame(text, mask=b"\x11\x22\x33\x44"):
    data = text.encode()
    assert len(data) < 126
    return bytes([0x81, 0x80 | len(data)]) + mask + bytes(
        b ^ mask[i % 4] for i, b in enumerate(data))


def read_frames(s, timeout=10):
    """Server frames until the close frame: [(opcode, payload)]."""
    s.settimeout(timeout)
    buf = b""
    frames = []
    while True:
        while len(buf) >= 2:
            n = buf[1] & 0x7f
            off = 2
            if n == 126:
                if len(buf) < 4:
                    break
                n = struct.unpack(">H", buf[2:4])[0]
                off = 4
            if len(buf) < off + n:
                break
            frames.append((buf[0] & 0x0f, buf[off:off + n]))
            buf = buf[off + n:]
            if frames[-1][0] == 8:
                return frames
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            return frames
        if not chunk:
            return frames
        buf += chunk


def wav_check(path):
    """(whole, samples, rate): RIFF and data chunk sizes match the file."""
    data = open(path, "rb").read()
    if len(data) < 44 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return False, 0, 0
    riff_ok = struct.unpack("<I", data[4:8])[0] == len(data) - 8
    pos, rate, width, channels, data_ok, samples = 12, 0, 0, 0, False, 0
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            channels, rate = struct.unpack("<HI", data[pos + 10:pos + 16])
            width = struct.unpack("<H", data[pos + 22:pos + 24])[0] // 8
        if cid == b"data":
            data_ok = size == len(data) - pos - 8 and width > 0
            samples = size // max(1, width * channels)
            break
        pos += 8 + size + (size & 1)
    return riff_ok and data_ok, samples, rate


# ------------------------------------------------------------------ cases

def case_sigterm():
    srv = Serve("sessionsrc", "port=PORT", "address=127.0.0.1", "!", "sessionsink")
    port = srv.port
    st, _h, body = request(port, "GET", "/readyz")
    check(st == 200 and body.strip() == b"ready", "readyz before: %s %r" % (st, body))
    st, _h, body = request(port, "GET", "/healthz")
    check(st == 200 and body.strip() == b"ok", "healthz before: %s %r" % (st, body))

    live = PacedClient(port, "live-1")
    live.start()
    check(wait_for(lambda: len(live.echo_times) >= 10, 15),
          "the live client hears its echo (%d frames)" % len(live.echo_times))
    early, status_line = raw_upgraded(port)
    check(b" 101 " in status_line, "a WebSocket upgraded before the drain: %r" % status_line)

    t_term = time.time()
    srv.signal(signal.SIGTERM)
    check(wait_for(lambda: request(port, "GET", "/readyz")[0] == 503, 10),
          "readyz 503 after SIGTERM")
    st, h, body = request(port, "GET", "/readyz")
    check(st == 503 and body.strip() == b"draining" and h.get("retry-after") == "5",
          "readyz while draining: %s %r Retry-After %s" % (st, body, h.get("retry-after")))
    st, _h, body = request(port, "HEAD", "/readyz")
    check(st == 503 and body == b"", "HEAD readyz while draining: %s %r" % (st, body))
    st, _h, body = request(port, "GET", "/healthz")
    check(st == 200 and body.strip() == b"ok", "healthz while draining: %s %r" % (st, body))

    st, h, body = upgrade(port)
    check(st == 503 and body.strip() == b"draining" and h.get("retry-after") == "5",
          "new upgrade while draining: %s %r Retry-After %s" % (st, body, h.get("retry-after")))
    st, h, body = upgrade(port, "/telephone/handler")
    check(st == 503, "new Twilio upgrade while draining: %s" % st)
    st, h, body = post_json(port, {"sdp": "v=0\r\n", "type": "offer", "webrtc_id": "new-rtc"})
    check(st == 503 and failed_code(body) == "draining" and h.get("retry-after") == "5",
          "new WebRTC offer while draining: %s %r Retry-After %s"
          % (st, body, h.get("retry-after")))
    cand = {"type": "ice-candidate", "webrtc_id": "held-rtc", "candidate": {
        "candidate": "candidate:1 1 UDP 2122252543 127.0.0.1 40000 typ host",
        "sdpMid": "0", "sdpMLineIndex": 0}}
    st, _h, body = post_json(port, cand)
    check(st == 200 and json.loads(body).get("status") == "success",
          "a trickled candidate is not refused: %s %r" % (st, body))

    early.sendall(ws_text_frame(json.dumps({"event": "start", "websocket_id": "late"})))
    frames = read_frames(early)
    early.close()
    texts = [json.loads(p) for op, p in frames if op == 1]
    close = [p for op, p in frames if op == 8]
    code = struct.unpack(">H", close[0][:2])[0] if close and len(close[0]) >= 2 else None
    check(any(failed_code(json.dumps(t)) == "draining" for t in texts),
          "a start while draining: failed `draining` (%s)" % texts)
    check(code == 1001, "a start while draining: close %s" % code)

    m = metrics(port)
    check(m.get("sessionctx_draining") == 1, "sessionctx_draining 1: %s" % m.get("sessionctx_draining"))
    check(m.get('sessionctx_protocol_errors_total{code="draining"}', 0) >= 4,
          "refusals counted as `draining`: %s" % m.get('sessionctx_protocol_errors_total{code="draining"}'))
    check(m.get('sessionctx_health_requests_total{path="/readyz",code="503"}', 0) >= 2,
          "readyz 503s counted: %s" % m.get('sessionctx_health_requests_total{path="/readyz",code="503"}'))
    check(m.get('sessionctx_sessions{transport="websocket",dialect="fastrtc"}') == 1,
          "the live session is still live")

    # The live client goes on for 3 s after SIGTERM, hearing its echo.
    while time.time() < t_term + 3:
        time.sleep(0.1)
    t_check = time.time()
    n_before = live.echoes_since(t_term + 1)
    time.sleep(1.0)
    check(live.echoes_since(t_check) >= 25,
          "echo goes on while draining: %d frames in the last second, %d since 1 s "
          "after SIGTERM" % (live.echoes_since(t_check), n_before))
    check(srv.proc.poll() is None, "the process runs while a session is live")
    t_stop = time.time()
    live.stop()
    live.join(30)
    check(live.close_code == 1000, "the live client stopped normally: %s %s"
          % (live.close_code, live.close_reason))
    status, err = srv.wait(30)
    check(status == 0, "exit 0 after the last session: %s (%.1f s after its stop)"
          % (status, time.time() - t_stop))
    check("EOS" in (err or ""), "ended by EOS: %r" % (err or "")[-300:])


def case_timeout():
    with tempfile.TemporaryDirectory() as tmp:
        srv = Serve("sessionbin", "port=PORT", "address=127.0.0.1", "drain-timeout=2",
                    "io-threads=2",
                    "handler=wavenc ! filesink location=%s/{session_id}.wav" % tmp)
        clients = [PacedClient(srv.port, "never-stops-%d" % i) for i in range(2)]
        for c in clients:
            c.start()
        # A receive-only handler sends nothing back: wait for the sessions.
        check(wait_for(lambda: metrics(srv.port).get(
            'sessionctx_sessions{transport="websocket",dialect="fastrtc"}') == 2, 15),
            "both sessions are live")
        time.sleep(1.0)
        t_term = time.time()
        srv.signal(signal.SIGTERM)
        for c in clients:
            c.join(30)
            elapsed = (c.closed_at or time.time()) - t_term
            check(c.close_code == 1001, "%s closed by the drain: %s %r"
                  % (c.sid, c.close_code, c.close_reason))
            check(1.5 <= elapsed <= 6.0, "%s closed %.1f s after SIGTERM (drain-timeout "
                  "2, 1 s ticks)" % (c.sid, elapsed))
        status, err = srv.wait(30)
        check(status == 0, "exit 0: %s %r" % (status, (err or "")[-300:]))
        for c in clients:
            path = os.path.join(tmp, c.sid + ".wav")
            check(os.path.exists(path), "%s: the recording exists" % c.sid)
            if not os.path.exists(path):
                continue
            whole, samples, rate = wav_check(path)
            sent = c.sent
            check(whole, "%s: the WAV header matches the file (%d bytes)"
                  % (c.sid, os.path.getsize(path)))
            check(rate == 48000 and abs(samples - sent) <= 0.2 * 48000,
                  "%s: it holds what was sent: %d samples at %d Hz, %d sent"
                  % (c.sid, samples, rate, sent))


def case_sigint():
    srv = Serve("sessionbin", "port=PORT", "address=127.0.0.1")
    live = PacedClient(srv.port, "interrupted")
    live.start()
    check(wait_for(lambda: len(live.echo_times) >= 10, 15),
          "the client hears its echo (%d frames)" % len(live.echo_times))
    t_int = time.time()
    srv.signal(signal.SIGINT)
    live.join(30)
    elapsed = (live.closed_at or time.time()) - t_int
    check(live.close_code == 1001, "SIGINT closes with 1001: %s %r"
          % (live.close_code, live.close_reason))
    check(elapsed < 5.0, "at once: %.2f s" % elapsed)
    status, err = srv.wait(30)
    check(status == 0, "exit 0: %s %r" % (status, (err or "")[-300:]))


def case_second_signal():
    srv = Serve("sessionsrc", "port=PORT", "address=127.0.0.1", "drain-timeout=0",
                "!", "sessionsink")
    live = PacedClient(srv.port, "stays")
    live.start()
    check(wait_for(lambda: len(live.echo_times) >= 10, 15), "the client hears its echo")
    srv.signal(signal.SIGTERM)
    check(wait_for(lambda: request(srv.port, "GET", "/readyz")[0] == 503, 10),
          "draining after SIGTERM")
    time.sleep(3.0)
    check(srv.proc.poll() is None and live.closed_at is None,
          "drain-timeout=0: the session goes on (3 s after SIGTERM)")
    t_second = time.time()
    srv.signal(signal.SIGTERM)
    status, err = srv.wait(30)
    live.join(30)
    check(status == 2, "a second SIGTERM stops at once: exit %s %r" % (status, (err or "")[-200:]))
    check(live.close_code == 1001 and (live.closed_at or 1e18) - t_second < 5,
          "the session closed with 1001: %s %r" % (live.close_code, live.close_reason))


def case_readyz_full():
    srv = Serve("sessionsrc", "port=PORT", "address=127.0.0.1", "max-sessions=1",
                "!", "sessionsink")
    port = srv.port
    check(request(port, "GET", "/readyz")[0] == 200, "ready with no session")
    live = PacedClient(port, "only-one")
    live.start()
    check(wait_for(lambda: len(live.echo_times) >= 5, 15), "the session is live")
    st, h, body = request(port, "GET", "/readyz")
    check(st == 503 and body.strip() == b"full" and h.get("retry-after") == "5",
          "readyz at max-sessions: %s %r" % (st, body))
    st, _h, body = request(port, "HEAD", "/readyz")
    check(st == 503 and body == b"", "HEAD readyz at max-sessions: %s" % st)
    st, _h, body = request(port, "GET", "/healthz")
    check(st == 200, "healthz at max-sessions: %s" % st)
    st, h, _body = request(port, "POST", "/readyz", body="x")
    check(st == 405 and "GET" in h.get("allow", ""), "POST readyz: %s %s" % (st, h.get("allow")))
    live.stop()
    live.join(30)
    check(wait_for(lambda: request(port, "GET", "/readyz")[0] == 200, 10),
          "ready again once the session ended")
    m = metrics(port)
    check(m.get('sessionctx_health_requests_total{path="/readyz",code="503"}') == 2
          and m.get('sessionctx_health_requests_total{path="/readyz",code="405"}') == 1,
          "readyz counted by code: %s" % {k: v for k, v in m.items() if "health" in k})
    check(m.get("sessionctx_draining") == 0, "not draining")
    srv.signal(signal.SIGINT)
    status, _err = srv.wait(30)
    check(status == 0, "exit 0 after SIGINT: %s" % status)


def case_auth():
    srv = Serve("sessionsrc", "port=PORT", "address=127.0.0.1", "auth-token=" + TOKEN,
                "!", "sessionsink")
    port = srv.port
    bearer = {"Authorization": "Bearer " + TOKEN}
    for path in ("/healthz", "/readyz"):
        st, h, _b = request(port, "GET", path)
        check(st == 401 and h.get("www-authenticate") == "Bearer",
              "%s without the token: %s" % (path, st))
        st, _h, _b = request(port, "GET", path, {"Authorization": "Bearer wrong"})
        check(st == 401, "%s with a wrong token: %s" % (path, st))
        st, _h, body = request(port, "GET", path, bearer)
        check(st == 200, "%s with Bearer: %s %r" % (path, st, body))
        st, _h, body = request(port, "GET", path + "?token=" + TOKEN)
        check(st == 200, "%s with ?token=: %s %r" % (path, st, body))
    m = metrics(port, bearer)
    for path in ("/healthz", "/readyz"):
        key = 'sessionctx_health_requests_total{path="%s",code="200"}' % path
        check(m.get(key) == 2, "%s counted: %s" % (key, m.get(key)))
    check(m.get('sessionctx_protocol_errors_total{code="unauthorized"}') == 4,
          "the refusals counted as unauthorized: %s"
          % m.get('sessionctx_protocol_errors_total{code="unauthorized"}'))
    srv.signal(signal.SIGTERM)
    status, _err = srv.wait(30)
    check(status == 0, "SIGTERM with no session: exit 0 at once: %s" % status)


def eos_within(pipeline, seconds):
    bus = pipeline.get_bus()
    msg = bus.timed_pop_filtered(int(seconds * Gst.SECOND),
                                 Gst.MessageType.EOS | Gst.MessageType.ERROR)
    return msg is not None and msg.type == Gst.MessageType.EOS


def case_gi():
    for name in ("sessionsrc", "sessionbin"):
        e = Gst.ElementFactory.make(name, None)
        sig = GObject.signal_lookup("drain", type(e))
        q = GObject.signal_query(sig) if sig else None
        check(bool(q) and q.signal_flags & GObject.SignalFlags.ACTION
              and len(q.param_types) == 0, "%s: drain is an action signal without arguments" % name)
        spec = e.find_property("draining")
        check(spec is not None and spec.flags & GObject.ParamFlags.READABLE
              and not spec.flags & GObject.ParamFlags.WRITABLE and not e.props.draining,
              "%s: draining is read-only, FALSE" % name)
        check(e.props.drain_timeout == 25, "%s: drain-timeout 25 by default" % name)
        e.emit("drain")      # not running: nothing happens
        check(not e.props.draining, "%s: drain while stopped changes nothing" % name)
    src = Gst.ElementFactory.make("sessionsrc", None)
    check(GObject.signal_lookup("drained", type(src)) != 0, "sessionsrc: drained signal")
    sb = Gst.ElementFactory.make("sessionbin", None)
    check(sb.props.handler_timeout == 5, "sessionbin: handler-timeout 5")

    p = Gst.parse_launch("sessionsrc name=s port=0 address=127.0.0.1 ! fakesink async=false")
    p.set_state(Gst.State.PLAYING)
    p.get_state(5 * Gst.SECOND)
    s = p.get_by_name("s")
    drained = []
    s.connect("drained", lambda el: drained.append(True) or False)
    s.emit("drain")
    check(s.props.draining, "sessionsrc: draining after drain")
    check(eos_within(p, 10) and drained == [True],
          "sessionsrc: drain with no session -> drained once, EOS")
    s.emit("drain")
    check(drained == [True], "sessionsrc: a second drain changes nothing")
    p.set_state(Gst.State.NULL)
    check(not s.props.draining, "sessionsrc: not draining once stopped")

    p = Gst.Pipeline.new(None)
    sb = Gst.ElementFactory.make("sessionbin", None)
    sb.set_property("port", 0)
    sb.set_property("address", "127.0.0.1")
    p.add(sb)
    p.set_state(Gst.State.PLAYING)
    p.get_state(5 * Gst.SECOND)
    sb.emit("drain")
    check(sb.props.draining, "sessionbin: draining after drain")
    check(eos_within(p, 10), "sessionbin: drain with no session -> EOS")
    p.set_state(Gst.State.NULL)


CASES = {
    "sigterm": case_sigterm,
    "timeout": case_timeout,
    "sigint": case_sigint,
    "second-signal": case_second_signal,
    "readyz-full": case_readyz_full,
    "auth": case_auth,
    "gi": case_gi,
}

if __name__ == "__main__":
    run_cases(CASES)
