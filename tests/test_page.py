#!/usr/bin/env python3
"""The demo page at / works in a real browser: Debian's chromium (driven by
playwright-core, tests/page/drive.js) with a fake microphone playing a
440 Hz tone talks to `sessionsrc ! sessionsink` over WebRTC, WebSocket and
WebSocket with binary media; each time the page shows its session id and
"connected", hears the echo at the tone's pitch (measured in the page, on
its playback path), and Stop ends the session on the server and closes the
connection. Over max-sessions, a second page says "The server is full"
(both transports). Served over https (tls-certificate-file, a self-signed
certificate), the page streams over wss. With demo-page=false, / is 404 (sessionsrc and
sessionbin). Screenshots go to the build
directory (tests/page-screenshot-*.png). Skipped only when chromium or
playwright-core cannot be installed (tests/page/bootstrap.sh)."""
import http.client
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import wave

import numpy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from servers import free_port, stop_server, wait_listening  # noqa: E402

SKIP = 77  # meson's "skipped"
HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = os.path.join(HERE, "page")
TONE_HZ = 440.0
CASES = ["webrtc", "websocket", "websocket-binary"]
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def have_browser():
    return (os.access("/usr/bin/chromium", os.X_OK) and shutil.which("node") and
            os.path.exists(os.path.join(PAGE, "node_modules", "playwright-core",
                                        "package.json")))


def write_tone(path, seconds=20, rate=48000):
    """A 440 Hz sine at -12 dBFS, mono 16-bit (chromium loops it)."""
    t = numpy.arange(rate * seconds) / rate
    samples = (0.25 * 32767 * numpy.sin(2 * math.pi * TONE_HZ * t)).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())


def server(port, *extra):
    return subprocess.Popen(
        ["gst-launch-1.0", "-m", "sessionsrc", "port=%d" % port, "address=127.0.0.1",
         "ice-addresses=127.0.0.1"] + list(extra) + ["!", "sessionsink"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, reply.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", "")


def test_page(tone, shot_dir):
    port = free_port()
    proc = server(port)
    check(wait_listening(port, proc=proc), "sessionsrc listens on %d" % port)
    status, ctype = http_status("http://127.0.0.1:%d/" % port)
    check(status == 200 and ctype.startswith("text/html"), "GET / is the page (%d %s)" % (status, ctype))
    status, ctype = http_status("http://127.0.0.1:%d/demo/app.js" % port)
    check(status == 200 and "javascript" in ctype, "GET /demo/app.js (%d %s)" % (status, ctype))
    check(http_status("http://127.0.0.1:%d/demo/missing.js" % port)[0] == 404, "unknown asset is 404")
    check(http_status("http://127.0.0.1:%d/index.html" % port)[0] == 404, "only / is the page")
    for raw in ("/demo/../../etc/passwd", "/demo/../index.html", "/demo/.hidden", "/demo/a%2Fb", "/demo/%2e%2e/x"):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", raw)
        status = conn.getresponse().status
        conn.close()
        check(status in (400, 404), "%s is refused (%d)" % (raw, status))

    started = time.monotonic()
    drive = subprocess.run(
        ["node", os.path.join(PAGE, "drive.js"), "http://127.0.0.1:%d/" % port, tone, shot_dir] + CASES,
        capture_output=True, text=True, timeout=150, cwd=PAGE)
    elapsed = time.monotonic() - started
    print("browser run: %.1f s" % elapsed)
    if drive.returncode != 0:
        print(drive.stdout, drive.stderr)
    check(drive.returncode == 0, "drive.js ran")
    time.sleep(0.5)
    out = stop_server(proc)

    results = [json.loads(line) for line in drive.stdout.splitlines() if line.startswith("{")]
    check(len(results) == len(CASES), "%d of %d cases reported" % (len(results), len(CASES)))
    ids = set()
    for r in results:
        name = r["case"]
        print(json.dumps(r, indent=1))
        check("failure" not in r, "%s: ran through (%s)" % (name, r.get("failure", "")))
        sid = r.get("sessionId") or ""
        check(re.fullmatch(r"[0-9a-f]{16}", sid) is not None, "%s: page shows session id %r" % (name, sid))
        ids.add(sid)
        check(r.get("connectedMs", 1e9) < 20000, "%s: connected after %s ms" % (name, r.get("connectedMs")))
        pitch = r.get("pitch", 0)
        check(abs(pitch - TONE_HZ) <= 0.05 * TONE_HZ,
              "%s: echo heard at %.1f Hz (tone %g Hz, %d readings)" % (name, pitch, TONE_HZ, r.get("pitches", 0)))
        check(r.get("setupTime", "—").endswith(" ms"), "%s: setup time shown (%s)" % (name, r.get("setupTime")))
        check(r.get("roundTrip", "—").endswith(" ms"), "%s: round trip shown (%s)" % (name, r.get("roundTrip")))
        check(r.get("state") == "closed" and r.get("closed") is True,
              "%s: Stop closed the connection" % name)
        check(not r.get("error"), "%s: no error shown (%s)" % (name, r.get("error")))
        ended = [l for l in out.splitlines() if "session-ended" in l and sid and sid in l]
        check(len(ended) == 1, "%s: server saw session-ended for %s" % (name, sid))
        if ended:
            reason = re.search(r"reason-name=\(string\)([a-z-]+)", ended[0])
            want = "disconnect" if name == "webrtc" else "stop"
            check(reason is not None and reason.group(1) == want,
                  "%s: ended with reason %s" % (name, reason.group(1) if reason else None))
    webrtc = next((r for r in results if r["case"] == "webrtc"), {})
    check(any("data channel open" in m for m in webrtc.get("messages", [])),
          "webrtc: data channel opened and sent its handshake")
    check(len(ids) == len(results), "every Start chose a new session id")
    if "failure" not in webrtc and webrtc.get("screenshot"):
        shutil.copy(webrtc["screenshot"], os.path.join(shot_dir, "page-screenshot.png"))


def test_page_full(tone, shot_dir):
    port = free_port()
    proc = server(port, "max-sessions=1")
    check(wait_listening(port, proc=proc), "sessionsrc max-sessions=1 listens")
    drive = subprocess.run(
        ["node", os.path.join(PAGE, "drive.js"), "http://127.0.0.1:%d/" % port, tone, shot_dir, "full"],
        capture_output=True, text=True, timeout=90, cwd=PAGE)
    stop_server(proc)
    results = [json.loads(line) for line in drive.stdout.splitlines() if line.startswith("{")]
    r = results[0] if results else {"failure": drive.stderr[-500:]}
    print(json.dumps(r, indent=1))
    check("failure" not in r, "full: ran through (%s)" % r.get("failure", ""))
    for transport in ("WebSocket", "WebRTC"):
        check((r.get(transport) or "").startswith("The server is full"),
              "full: %s shows %r" % (transport, r.get(transport)))


def test_page_token(tone, shot_dir):
    """auth-token and allowed-origins set: the page opened as /?token=… passes
    the token on to its assets, its WebSocket and its signalling, from its
    own (listed) origin."""
    port = free_port()
    token = "page-t0ken_x"
    origin = "http://127.0.0.1:%d" % port
    proc = server(port, "auth-token=" + token, "allowed-origins=" + origin)
    check(wait_listening(port, proc=proc), "sessionsrc auth-token=… allowed-origins=… listens")
    check(http_status("http://127.0.0.1:%d/" % port)[0] == 401, "token: GET / without it is 401")
    cases = ["webrtc", "websocket"]
    drive = subprocess.run(
        ["node", os.path.join(PAGE, "drive.js"), "http://127.0.0.1:%d/?token=%s" % (port, token),
         tone, shot_dir] + cases, capture_output=True, text=True, timeout=120, cwd=PAGE)
    if drive.returncode != 0:
        print(drive.stdout, drive.stderr)
    metrics = urllib.request.urlopen("http://127.0.0.1:%d/metrics?token=%s" % (port, token), timeout=5).read().decode()
    stop_server(proc)
    results = [json.loads(line) for line in drive.stdout.splitlines() if line.startswith("{")]
    check(len(results) == len(cases), "token: %d of %d cases reported" % (len(results), len(cases)))
    for r in results:
        name = r["case"]
        check("failure" not in r and not r.get("error"), "token %s: ran through (%s %s)" %
              (name, r.get("failure", ""), r.get("error", "")))
        pitch = r.get("pitch", 0)
        check(abs(pitch - TONE_HZ) <= 0.05 * TONE_HZ, "token %s: echo heard at %.1f Hz" % (name, pitch))
    refused = [l for l in metrics.splitlines() if l.startswith("sessionctx_protocol_errors_total{code=\"")
               and ("unauthorized" in l or "forbidden_origin" in l)]
    check(refused == ['sessionctx_protocol_errors_total{code="unauthorized"} 1'],
          "token: only the test's own tokenless GET was refused: %s" % refused)


def test_page_tls(tone, shot_dir, tmp):
    """The page over https (self-signed certificate) streams over wss."""
    cert, key = os.path.join(tmp, "server.crt"), os.path.join(tmp, "server.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    port = free_port()
    proc = server(port, "tls-certificate-file=" + cert, "tls-key-file=" + key)
    check(wait_listening(port, proc=proc), "sessionsrc with TLS listens on %d" % port)
    drive = subprocess.run(
        ["node", os.path.join(PAGE, "drive.js"), "https://127.0.0.1:%d/" % port, tone, shot_dir,
         "websocket"], capture_output=True, text=True, timeout=90, cwd=PAGE)
    time.sleep(0.5)
    out = stop_server(proc)
    results = [json.loads(line) for line in drive.stdout.splitlines() if line.startswith("{")]
    r = results[0] if results else {"failure": drive.stderr[-500:]}
    print(json.dumps(r, indent=1))
    check("failure" not in r, "https: ran through (%s)" % r.get("failure", ""))
    urls = r.get("socketUrls", [])
    check(len(urls) > 0 and all(u.startswith("wss://127.0.0.1:%d/" % port) for u in urls),
          "https: the page's WebSocket is wss:// (%s)" % urls)
    pitch = r.get("pitch", 0)
    check(abs(pitch - TONE_HZ) <= 0.05 * TONE_HZ, "https: echo heard at %.1f Hz" % pitch)
    sid = r.get("sessionId") or ""
    check(bool(sid) and any("session-ended" in l and sid in l for l in out.splitlines()),
          "https: server saw session-ended for %s" % sid)


def test_page_off():
    port = free_port()
    proc = server(port, "demo-page=false")
    check(wait_listening(port, proc=proc), "sessionsrc demo-page=false listens")
    check(http_status("http://127.0.0.1:%d/" % port)[0] == 404, "demo-page=false: GET / is 404")
    check(http_status("http://127.0.0.1:%d/demo/app.js" % port)[0] == 404,
          "demo-page=false: /demo/app.js is 404")
    stop_server(proc)
    for extra, want in (([], 200), (["demo-page=false"], 404)):
        port = free_port()
        proc = subprocess.Popen(
            ["gst-launch-1.0", "sessionbin", "port=%d" % port, "address=127.0.0.1",
             "handler=audioconvert"] + extra, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(wait_listening(port, proc=proc), "sessionbin %s listens" % " ".join(extra))
        status = http_status("http://127.0.0.1:%d/" % port)[0]
        check(status == want, "sessionbin %s: GET / is %d" % (" ".join(extra), status))
        stop_server(proc)


def main():
    if not have_browser():
        boot = subprocess.run(["bash", os.path.join(PAGE, "bootstrap.sh")],
                              capture_output=True, text=True)
        if boot.returncode != 0 or not have_browser():
            print("skipped: chromium / playwright-core unavailable\n" + boot.stderr)
            return SKIP
    shot_dir = os.environ.get("PAGE_SCREENSHOT_DIR", os.getcwd())
    os.makedirs(shot_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        tone = os.path.join(d, "tone.wav")
        write_tone(tone)
        test_page(tone, shot_dir)
        test_page_full(tone, shot_dir)
        test_page_token(tone, shot_dir)
        test_page_tls(tone, shot_dir, d)
    test_page_off()
    print("%d failure(s)" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
