#!/usr/bin/env python3
"""Clients SIGKILLed mid-stream leave no session, fd or thread behind
(issue 12, item 6), for `sessionsrc ! sessionsink` and for `sessionbin`
(a handler per session) under gst-launch-1.0.

Independent client processes (tests/clients: Python `websockets` FastRTC
JSON, FastRTC binary µ-law, Twilio; one aiortc WebRTC peer) stream until all
their sessions are live in /metrics, then get SIGKILL. The kernel closes a
killed client's TCP connections, so its WebSocket session ends at once; the
WebRTC peer just falls silent and ends by `peer-timeout`. Then: /metrics'
sessions gauge back to 0, the server's /proc/PID/fd and /proc/PID/task
counts back to what they were after a warm-up round of the same clients
ending normally (sessionbin's handler threads gone), and a new client still
hears its echo. WebRTC needs a private network namespace (aiortc never
gathers loopback): without root only the WebSocket clients run."""
import os
import re
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from servers import free_port, stop_server, wait_listening  # noqa: E402
import netns  # noqa: E402

WS_CLIENT = os.path.join(HERE, "clients", "fastrtc_ws_client.py")
RTC_CLIENT = os.path.join(HERE, "clients", "aiortc_client.py")
PEER_TIMEOUT = 2
failures = []


def check(ok, what):
    print("%s: %s" % ("ok" if ok else "FAIL", what), flush=True)
    if not ok:
        failures.append(what)


def sessions_gauge(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        text = r.read().decode()
    return sum(float(v) for v in re.findall(r"^sessionctx_sessions\{[^}]*\} (\S+)$", text, re.M))


def counts(pid):
    return (len(os.listdir("/proc/%d/fd" % pid)), len(os.listdir("/proc/%d/task" % pid)))


def wait_for(pred, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if pred():
            return True
        time.sleep(0.1)
    return pred()


def spawn_clients(port, with_webrtc, seconds, tag):
    ws = "ws://127.0.0.1:%d" % port
    commands = [
        [WS_CLIENT, ws + "/websocket/offer", "--id", tag + "-json"],
        [WS_CLIENT, ws + "/websocket/offer", "--id", tag + "-binary", "--binary", "mulaw"],
        [WS_CLIENT, ws + "/telephone/handler", "--id", tag + "-twilio", "--twilio"],
        [WS_CLIENT, ws + "/websocket/offer", "--id", tag + "-json2", "--freq", "1250"],
    ]
    if with_webrtc:
        commands.append([RTC_CLIENT, "http://127.0.0.1:%d/webrtc/offer" % port,
                         "--id", tag + "-webrtc"])
    # aiortc_client.py skips its first half second and needs a second after it.
    return [subprocess.Popen([sys.executable] + c
                             + ["--seconds", str(max(seconds, 3) if c[0] == RTC_CLIENT
                                                 else seconds)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for c in commands]


def settled(pid):
    """fd and thread counts once they stop changing for a second (idle
    pool threads may linger; the least seen over the wait)."""
    best = counts(pid)
    last, since = best, time.time()
    deadline = time.time() + 30
    while time.time() < deadline and time.time() - since < 1.0:
        time.sleep(0.1)
        now = counts(pid)
        best = (min(best[0], now[0]), min(best[1], now[1]))
        if now != last:
            last, since = now, time.time()
    return best


def variant(name, element_args, with_webrtc):
    port = free_port()
    ice = ["ice-addresses=%s" % netns.SERVER_ADDRESS] if with_webrtc else []
    server = subprocess.Popen(
        ["gst-launch-1.0", "-e"] + element_args[:1]
        + ["port=%d" % port, "address=127.0.0.1", "peer-timeout=%d" % PEER_TIMEOUT]
        + ice + element_args[1:],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        if not wait_listening(port, proc=server):
            check(False, "%s: the server listens" % name)
            return
        # Warm-up: the same clients, ending normally (lazily made threads
        # and fds, e.g. thread pools, exist from then on).
        warm = spawn_clients(port, with_webrtc, 1, "warm")
        for proc in warm:
            proc.communicate(timeout=90)
        check(all(p.returncode == 0 for p in warm),
              "%s: warm-up clients hear their echo (%s)"
              % (name, [p.returncode for p in warm]))
        check(wait_for(lambda: sessions_gauge(port) == 0, 10 + PEER_TIMEOUT),
              "%s: warm-up sessions ended" % name)
        base = settled(server.pid)

        clients = spawn_clients(port, with_webrtc, 60, "killed")
        live = wait_for(lambda: sessions_gauge(port) == len(clients), 60)
        check(live, "%s: %d sessions live before the kill (gauge %g)"
              % (name, len(clients), sessions_gauge(port)))
        time.sleep(0.5)  # mid-stream
        peak = counts(server.pid)
        for proc in clients:
            proc.kill()
        for proc in clients:
            proc.communicate()
        check(wait_for(lambda: sessions_gauge(port) == 0, PEER_TIMEOUT + 5),
              "%s: sessions gauge back to 0 after SIGKILL (%g)" % (name, sessions_gauge(port)))
        back = wait_for(lambda: counts(server.pid)[0] <= base[0]
                        and counts(server.pid)[1] <= base[1], 40)
        now = counts(server.pid)
        check(back, "%s: fds %d -> %d while streaming -> %d (baseline %d); "
              "threads %d -> %d -> %d (baseline %d)"
              % (name, base[0], peak[0], now[0], base[0], base[1], peak[1], now[1], base[1]))
        after = subprocess.run([sys.executable, WS_CLIENT, "ws://127.0.0.1:%d/websocket/offer"
                                % port, "--id", "after", "--seconds", "1"],
                               capture_output=True, text=True, timeout=60)
        check(after.returncode == 0, "%s: a new client hears its echo: %s"
              % (name, after.stdout.strip()[-200:]))
    finally:
        log = stop_server(server)
    check("EOS received" in log, "%s: stopped through EOS" % name)
    check(server.returncode == 0, "%s: gst-launch-1.0 exit status %s"
          % (name, server.returncode))


def body(with_webrtc):
    if not with_webrtc:
        print("not root: no private network namespace, WebSocket clients only")
    variant("sessionsrc", ["sessionsrc", "!", "sessionsink"], with_webrtc)
    variant("sessionbin", ["sessionbin",
                           "handler=audioconvert ! volume volume=1.0 ! audioconvert"],
            with_webrtc)
    print("%d failed" % len(failures))
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--inside":
        netns.set_up()
        sys.exit(body(True))
    if os.geteuid() == 0:
        sys.exit(subprocess.run(["unshare", "-n", sys.executable, os.path.abspath(__file__),
                                 "--inside"]).returncode)
    sys.exit(body(False))
