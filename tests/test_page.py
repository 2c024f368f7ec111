#!/usr/bin/env python3
"""The demo page at / works in a real browser: Debian's chromium (driven by
playwright-core, tests/page/drive.js) with a fake microphone playing a
440 Hz tone and chromium's fake camera (640x480, 20 fps, a moving pattern).
One case per run, named on the command line (each its own meson test,
page-CASE; all by default):

  echo     `sessionsrc ! sessionsink` over WebRTC, WebSocket and WebSocket
           with binary media: each time the page shows its session id and
           "connected", hears the echo at the tone's pitch (measured in the
           page, on its playback path), and Stop ends the session on the
           server and closes the connection. With WebSocket the video
           choices are off and the page says why. Camera and microphone
           over WebRTC: the tone comes back, and the page says no picture
           comes (this pipeline sends none).
  webrtc-video         camera alone to `sessionbin handler="videoflip
           video-direction=horiz"`: the picture sent back plays at >= 10
           distinct frames/s, moves, has the size sent (<= 640x480, VP8)
           and is the camera's picture mirrored.
  webrtc-audio-video   camera and microphone to `sessionbin` (echo): the
           same, not mirrored, both kinds back in one stream, tone heard.
  full     over max-sessions, a second page says "The server is full"
           (both transports).
  token    auth-token and allowed-origins: the page passes its token on.
  tls      served over https (a self-signed certificate), it streams over wss.
  off      with demo-page=false, / is 404 (sessionsrc and sessionbin); no
           browser.

Screenshots go to the build directory (tests/page-screenshot-*.png).
Skipped only when chromium or playwright-core cannot be installed
(tests/page/bootstrap.sh)."""
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
from checks import check, list_cases, run_cases  # noqa: E402
from servers import free_port, stop_server, wait_listening  # noqa: E402

SKIP = 77  # meson's "skipped"
HERE = os.path.dirname(os.path.abspath(__file__))
PAGE = os.path.join(HERE, "page")
TONE_HZ = 440.0
CAMERA = (640, 480)      # chromium's fake camera
MAX_SIZE = (640, 480)    # video-max-width, video-max-height defaults
# What every case runs with (main): the tone file, the screenshot folder, a
# scratch folder.
run = {}


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


def sessionbin(port, *extra):
    return subprocess.Popen(
        ["gst-launch-1.0", "-m", "sessionbin", "port=%d" % port, "address=127.0.0.1",
         "ice-addresses=127.0.0.1"] + list(extra),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def drive(url, cases, timeout=120):
    """tests/page/drive.js on @url for @cases: its run and its results (one
    dict per case that reported)."""
    started = time.monotonic()
    done = subprocess.run(
        ["node", os.path.join(PAGE, "drive.js"), url, run["tone"], run["shots"]] + cases,
        capture_output=True, text=True, timeout=timeout, cwd=PAGE)
    print("browser run (%s): %.1f s" % (" ".join(cases), time.monotonic() - started), flush=True)
    if done.returncode != 0:
        print(done.stdout, done.stderr)
    return done, [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def ended_reason(out, name, sid):
    """The server posted session-ended once for @sid: its reason-name."""
    ended = [l for l in out.splitlines() if "session-ended" in l and sid and sid in l]
    check(len(ended) == 1, "%s: server saw session-ended for %s" % (name, sid))
    reason = re.search(r"reason-name=\(string\)([a-z-]+)", ended[0]) if ended else None
    return reason.group(1) if reason else None


def http_status(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return reply.status, reply.headers.get("Content-Type", "")
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", "")


def check_call(r, name, out):
    """What every call a case drives shows: its id, "connected", setup time
    and round trip, no error; Stop closed it and the server ended it."""
    check("failure" not in r, "%s: ran through (%s)" % (name, r.get("failure", "")))
    sid = r.get("sessionId") or ""
    check(re.fullmatch(r"[0-9a-f]{16}", sid) is not None, "%s: page shows session id %r" % (name, sid))
    check(r.get("connectedMs", 1e9) < 20000, "%s: connected after %s ms" % (name, r.get("connectedMs")))
    check(r.get("setupTime", "—").endswith(" ms"), "%s: setup time shown (%s)" % (name, r.get("setupTime")))
    check(r.get("roundTrip", "—").endswith(" ms"), "%s: round trip shown (%s)" % (name, r.get("roundTrip")))
    check(r.get("state") == "closed" and r.get("closed") is True,
          "%s: Stop closed the connection" % name)
    check(not r.get("error"), "%s: no error shown (%s)" % (name, r.get("error")))
    reason = ended_reason(out, name, sid)
    want = "disconnect" if name.startswith("webrtc") else "stop"
    check(reason == want, "%s: ended with reason %s" % (name, reason))


def check_tone(r, name):
    pitch = r.get("pitch", 0)
    check(abs(pitch - TONE_HZ) <= 0.05 * TONE_HZ,
          "%s: echo heard at %.1f Hz (tone %g Hz, %d readings)" % (name, pitch, TONE_HZ, r.get("pitches", 0)))


def check_picture(r, name, mirrored):
    """The picture sent back, as the page sampled it (drive.js measureVideo):
    it plays, moves, has the size sent, and is the camera's picture (as is,
    or @mirrored)."""
    v = r.get("video") or {}
    print("%s: %s" % (name, json.dumps({k: r.get(k) for k in
                                          ("video", "sent", "received", "cameraSize", "videoInfo")})))
    check(v.get("fps", 0) >= 10,
          "%s: the picture back plays at %.1f frames/s over %.1f s (>= 10; %d sampled, %d distinct, "
          "the element's count: %s presented, %s dropped)"
          % (name, v.get("fps", 0), v.get("seconds", 0), v.get("frames", 0), v.get("distinct", 0),
             v.get("presented"), v.get("dropped")))
    pairs, changed = v.get("pairs", 0), v.get("changed", 0)
    check(v.get("distinct", 0) >= 20 and pairs >= 20 and changed >= 0.8 * pairs,
          "%s: it moves: %d of %d frames differ from the one before (median mean |d luma| %.2f)"
          % (name, changed, pairs, v.get("diffMedian") or 0))
    sent = (r.get("sent") or {}).get("size")
    back = r.get("remoteSize")
    check(bool(sent) and back == sent and v.get("sizes") == ["%dx%d" % tuple(sent)],
          "%s: it is the size sent: %s back, %s sent (sizes seen %s; camera %s, sender limited by %s)"
          % (name, back, sent, v.get("sizes"), r.get("cameraSize"), (r.get("sent") or {}).get("limitedBy")))
    check(bool(back) and back[0] <= MAX_SIZE[0] and back[1] <= MAX_SIZE[1],
          "%s: within video-max-width x -height %dx%d" % (name, MAX_SIZE[0], MAX_SIZE[1]))
    codec = (r.get("received") or {}).get("codec")
    check(codec == "video/VP8", "%s: received as %s" % (name, codec))
    as_is, flipped = v.get("asIs"), v.get("mirrored")
    closer, farther = (flipped, as_is) if mirrored else (as_is, flipped)
    check(v.get("compared", 0) >= 20 and closer is not None and closer < 0.5 * farther,
          "%s: it is the camera's picture %s: mean |d| of a 16x2 luma grid over the top sixth %.1f %s, %.1f %s (%d frames)"
          % (name, "mirrored" if mirrored else "as is", closer or 0,
             "mirrored" if mirrored else "as is", farther or 0,
             "as is" if mirrored else "mirrored", v.get("compared", 0)))
    check(re.fullmatch(r"\d+×\d+, \d+ fps", r.get("videoInfo") or "") is not None,
          "%s: the page shows size and rate (%s)" % (name, r.get("videoInfo")))


def case_echo():
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

    # Camera and microphone to an audio-only pipeline: the answer takes the
    # video (sessionsrc drops it), nothing comes back of it.
    cases = ["webrtc", "websocket", "websocket-binary", "webrtc-audio-video-audio-back"]
    done, results = drive("http://127.0.0.1:%d/" % port, cases, timeout=150)
    check(done.returncode == 0, "drive.js ran")
    time.sleep(0.5)
    out = stop_server(proc)

    check(len(results) == len(cases), "%d of %d cases reported" % (len(results), len(cases)))
    ids = set()
    for r in results:
        name = r["case"]
        print(json.dumps(r, indent=1))
        check_call(r, name, out)
        check_tone(r, name)
        ids.add(r.get("sessionId"))
        if name.startswith("websocket"):
            check(r.get("videoChoicesOff") is True and "WebRTC" in (r.get("mediaNote") or ""),
                  "%s: the video choices are off, the page says why (%r)" % (name, r.get("mediaNote")))
    webrtc = next((r for r in results if r["case"] == "webrtc"), {})
    check(any("data channel open" in m for m in webrtc.get("messages", [])),
          "webrtc: data channel opened and sent its handshake")
    check(webrtc.get("videoShown") is False, "webrtc: audio alone shows no video")
    av = next((r for r in results if r["case"] == "webrtc-audio-video-audio-back"), {})
    check(av.get("videoShown") is True and av.get("remoteSize") == [0, 0] and
          (av.get("videoInfo") or "").startswith("nothing yet"),
          "camera to sessionsrc ! sessionsink: no picture back, the page says so (%r)" % av.get("videoInfo"))
    check(len(ids) == len(results), "every Start chose a new session id")
    if "failure" not in webrtc and webrtc.get("screenshot"):
        shutil.copy(webrtc["screenshot"], os.path.join(run["shots"], "page-screenshot.png"))


def case_video(name, handler, mirrored):
    """@name (a drive.js case with a camera) against sessionbin with
    @handler (None: its echo)."""
    port = free_port()
    proc = sessionbin(port, *(["handler=" + handler] if handler else []))
    check(wait_listening(port, proc=proc), "sessionbin %s listens on %d" % (handler or "(echo)", port))
    done, results = drive("http://127.0.0.1:%d/" % port, [name], timeout=90)
    check(done.returncode == 0, "drive.js ran")
    time.sleep(0.5)
    out = stop_server(proc)
    r = results[0] if results else {"case": name, "failure": done.stderr[-500:]}
    print(json.dumps({k: v for k, v in r.items() if k not in ("video", "sent", "received")}, indent=1))
    check_call(r, name, out)
    check(r.get("videoShown") is True, "%s: the page shows the camera and the picture back" % name)
    check_picture(r, name, mirrored)
    started = [l for l in out.splitlines() if "session-started" in l and (r.get("sessionId") or "-") in l]
    media = re.search(r'\bmedia=\(string\)"?((?:[a-z]|\\,)+)', started[0]) if len(started) == 1 else None
    media = media.group(1).replace("\\", "") if media else None
    want = "audio,video" if "audio" in name else "video"
    check(media == want, "%s: the server's session-started says media=%s" % (name, media))
    return r


def case_webrtc_video():
    r = case_video("webrtc-video", "videoflip video-direction=horiz", mirrored=True)
    check(r.get("tracksBack") == ["video"], "webrtc-video: video alone comes back (%s)" % r.get("tracksBack"))


def case_webrtc_audio_video():
    r = case_video("webrtc-audio-video", None, mirrored=False)
    check(r.get("tracksBack") == ["audio", "video"],
          "webrtc-audio-video: audio and video come back in one stream (%s)" % r.get("tracksBack"))
    check_tone(r, "webrtc-audio-video")
    if "failure" not in r and r.get("screenshot"):
        shutil.copy(r["screenshot"], os.path.join(run["shots"], "page-screenshot-video.png"))


def case_full():
    port = free_port()
    proc = server(port, "max-sessions=1")
    check(wait_listening(port, proc=proc), "sessionsrc max-sessions=1 listens")
    done, results = drive("http://127.0.0.1:%d/" % port, ["full"], timeout=90)
    stop_server(proc)
    r = results[0] if results else {"failure": done.stderr[-500:]}
    print(json.dumps(r, indent=1))
    check("failure" not in r, "full: ran through (%s)" % r.get("failure", ""))
    for transport in ("WebSocket", "WebRTC"):
        check((r.get(transport) or "").startswith("The server is full"),
              "full: %s shows %r" % (transport, r.get(transport)))


def case_token():
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
    done, results = drive("http://127.0.0.1:%d/?token=%s" % (port, token), cases)
    metrics = urllib.request.urlopen("http://127.0.0.1:%d/metrics?token=%s" % (port, token), timeout=5).read().decode()
    stop_server(proc)
    check(len(results) == len(cases), "token: %d of %d cases reported" % (len(results), len(cases)))
    for r in results:
        name = r["case"]
        check("failure" not in r and not r.get("error"), "token %s: ran through (%s %s)" %
              (name, r.get("failure", ""), r.get("error", "")))
        check_tone(r, "token " + name)
    refused = [l for l in metrics.splitlines() if l.startswith("sessionctx_protocol_errors_total{code=\"")
               and ("unauthorized" in l or "forbidden_origin" in l)]
    check(refused == ['sessionctx_protocol_errors_total{code="unauthorized"} 1'],
          "token: only the test's own tokenless GET was refused: %s" % refused)


def case_tls():
    """The page over https (self-signed certificate) streams over wss."""
    cert, key = os.path.join(run["tmp"], "server.crt"), os.path.join(run["tmp"], "server.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    port = free_port()
    proc = server(port, "tls-certificate-file=" + cert, "tls-key-file=" + key)
    check(wait_listening(port, proc=proc), "sessionsrc with TLS listens on %d" % port)
    done, results = drive("https://127.0.0.1:%d/" % port, ["websocket"], timeout=90)
    time.sleep(0.5)
    out = stop_server(proc)
    r = results[0] if results else {"failure": done.stderr[-500:]}
    print(json.dumps(r, indent=1))
    check("failure" not in r, "https: ran through (%s)" % r.get("failure", ""))
    urls = r.get("socketUrls", [])
    check(len(urls) > 0 and all(u.startswith("wss://127.0.0.1:%d/" % port) for u in urls),
          "https: the page's WebSocket is wss:// (%s)" % urls)
    check_tone(r, "https")
    sid = r.get("sessionId") or ""
    check(bool(sid) and any("session-ended" in l and sid in l for l in out.splitlines()),
          "https: server saw session-ended for %s" % sid)


def case_off():
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


CASES = {
    "echo": case_echo,
    "webrtc-video": case_webrtc_video,
    "webrtc-audio-video": case_webrtc_audio_video,
    "full": case_full,
    "token": case_token,
    "tls": case_tls,
    "off": case_off,
}
NO_BROWSER = {"off"}


def main():
    list_cases(CASES)
    names = sys.argv[1:] or list(CASES)
    unknown = [n for n in names if n not in CASES]
    if unknown:
        sys.exit("unknown case(s): %s (cases: %s)" % (" ".join(unknown), " ".join(CASES)))
    if set(names) - NO_BROWSER and not have_browser():
        boot = subprocess.run(["bash", os.path.join(PAGE, "bootstrap.sh")],
                              capture_output=True, text=True)
        if boot.returncode != 0 or not have_browser():
            print("skipped: chromium / playwright-core unavailable\n" + boot.stderr)
            return SKIP
    run["shots"] = os.environ.get("PAGE_SCREENSHOT_DIR", os.getcwd())
    os.makedirs(run["shots"], exist_ok=True)
    with tempfile.TemporaryDirectory() as d:
        run["tmp"] = d
        run["tone"] = os.path.join(d, "tone.wav")
        write_tone(run["tone"])
        run_cases(CASES)


if __name__ == "__main__":
    sys.exit(main())
