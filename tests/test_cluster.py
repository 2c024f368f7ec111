#!/usr/bin/env python3
"""Scaling out (issue 21, item 6): three server processes behind a real
HAProxy (Debian's 2.6) configured by deploy/cluster.sh --print-config from
deploy/haproxy.cfg, with real clients through the proxy. Everything runs
inside a private network namespace this test makes (tests/lib/netns.py:
aiortc never gathers loopback; fixed ports are free there; nothing leaves
it). Each instance is `gst-sessionctx-serve sessionsrc ... ! sessionsink`
(an echo) on 127.0.0.1:8081-8083 with trusted-proxies=127.0.0.1 and an
api-token, so the test asks each instance directly which sessions it
holds (GET /sessions). WebSocket clients connect from 127.0.0.2 (FastRTC)
and 127.0.0.3 (Twilio), HAProxy from 127.0.0.1; each client counts the
µ-law bytes it sent and got back (the echo at the same rate: one byte a
sample, so "no frame lost" is "as many bytes back as sent").

  proxy   FastRTC WebSocket, Twilio and WebRTC (aiortc) clients through
          the proxy all hear their echo; the WebSocket sessions are spread
          over the instances; each session's remote address is its client's
          (127.0.0.2 / .3, also for a client sending its own
          X-Forwarded-For), not the proxy's; a WebRTC session's is its
          peer's ICE address; after a WebRTC call ended, candidates for its
          webrtc_id through the proxy all reach the instance that held it
          (`connection_closed`, which only that one answers)
  kill    kill -9 one instance: its clients' connections end, the others'
          sessions lose no frame (bytes back == bytes sent, close 1000);
          HAProxy's check on /readyz marks it DOWN; new sessions land on
          the live instances and hear their echo
  drain   SIGTERM to one instance's launcher while callers stream: new
          sessions at once and after HAProxy took it out land elsewhere;
          its live sessions go on untouched (echo goes on, bytes back ==
          sent, close 1000); it exits 0 once its last session ended
  script  deploy/cluster.sh itself: 2 instances, HAProxy and Redis, a
          client through it hears its echo and both instances list its
          session (the directory), SIGTERM to the script while the client
          streams: the call goes on, then every process exits (status 0)

    test_cluster.py [CASE...]      needs root (unshare -n) and haproxy
"""
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from checks import check, list_cases, run_cases  # noqa: E402
from netns import SERVER_ADDRESS, run_inside  # noqa: E402
from pacedclient import PacedClient  # noqa: E402
from servers import wait_listening  # noqa: E402
from webapi import request, wait_for  # noqa: E402

ROOT = os.path.dirname(HERE)
SERVE = os.environ.get("SESSIONCTX_SERVE") or os.path.join(
    ROOT, "build", "tools", "gst-sessionctx-serve")
CLUSTER_SH = os.path.join(ROOT, "deploy", "cluster.sh")
AIORTC = os.path.join(HERE, "clients", "aiortc_client.py")
TOKEN = "cluster-Test_token"
PROXY_PORT, FIRST_PORT, STATS_PORT = 8080, 8081, 8404
FASTRTC_FROM, TWILIO_FROM = "127.0.0.2", "127.0.0.3"


# ------------------------------------------------------------------ processes

class Instance:
    """One server: the launcher running an echo on 127.0.0.1:port."""

    def __init__(self, port):
        self.port = port
        self.proc = subprocess.Popen(
            [SERVE, "sessionsrc", "port=%d" % port, "address=127.0.0.1",
             "trusted-proxies=127.0.0.1", "api-token=" + TOKEN,
             "ice-addresses=" + SERVER_ADDRESS, "websocket-output-rate=48000",
             "drain-timeout=60", "!", "sessionsink"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def sessions(self):
        """{id: session} this instance holds ({} when it does not answer)."""
        return Instance.sessions_at(self.port)

    @staticmethod
    def sessions_at(port):
        """{id: session} the instance on @port lists."""
        try:
            st, _h, body = request(port, "GET", "/sessions",
                                   {"Authorization": "Bearer " + TOKEN})
        except OSError:
            return {}
        if st != 200:
            return {}
        return {s["id"]: s for s in json.loads(body)["sessions"]}

    def wait(self, timeout):
        """Exit status, or None when it still ran after @timeout."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.proc.returncode

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            if self.wait(20) is None:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()


def haproxy_config(instances, first_port=FIRST_PORT, port=PROXY_PORT):
    """deploy/haproxy.cfg for @instances instances, as cluster.sh writes it."""
    env = dict(os.environ, INSTANCES=str(instances), PORT=str(port),
               FIRST_PORT=str(first_port), STATS_PORT=str(STATS_PORT))
    return subprocess.run([CLUSTER_SH, "--print-config"], env=env, check=True,
                          stdout=subprocess.PIPE, text=True).stdout


def server_states(stats_port=STATS_PORT):
    """{server name: status} of HAProxy's `instances` backend."""
    try:
        st, _h, body = request(stats_port, "GET", "/stats;csv")
    except OSError:
        return {}
    rows = csv.DictReader(io.StringIO(body.decode().lstrip("# ")))
    return {r["svname"]: r["status"] for r in rows
            if r["pxname"] == "instances" and r["svname"] not in ("FRONTEND", "BACKEND")}


def server_stats(name, stats_port=STATS_PORT):
    """Retries and redispatches HAProxy counted for server @name, and the
    5xx answers it got from it."""
    try:
        _st, _h, body = request(stats_port, "GET", "/stats;csv")
    except OSError:
        return {}
    for r in csv.DictReader(io.StringIO(body.decode().lstrip("# "))):
        if r["pxname"] == "instances" and r["svname"] == name:
            return {k: r[k] for k in ("wretr", "wredis", "hrsp_5xx")}
    return {}


class Cluster:
    """@n instances and HAProxy in front of them."""

    def __init__(self, n=3):
        self.dir = tempfile.mkdtemp()
        self.instances = [Instance(FIRST_PORT + k) for k in range(n)]
        self.haproxy = None
        for i in self.instances:
            if not wait_listening(i.port, 20, i.proc):
                raise RuntimeError("instance %d does not listen" % i.port)
        cfg = os.path.join(self.dir, "haproxy.cfg")
        with open(cfg, "w") as f:
            f.write(haproxy_config(n))
        self.haproxy = subprocess.Popen(["haproxy", "-db", "-f", cfg],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True)
        names = ["i%d" % (k + 1) for k in range(n)]
        if not (wait_listening(PROXY_PORT, 20, self.haproxy) and wait_for(
                lambda: all(server_states().get(s) == "UP" for s in names), 20)):
            raise RuntimeError("HAProxy not up: %s" % server_states())

    def holder(self, sid):
        """The index of the instance holding session @sid, or None."""
        for k, inst in enumerate(self.instances):
            if sid in inst.sessions():
                return k
        return None

    def close(self):
        for i in self.instances:
            i.stop()
        if self.haproxy:
            self.haproxy.terminate()
            try:
                self.haproxy.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                self.haproxy.kill()
                self.haproxy.communicate()
        shutil.rmtree(self.dir, ignore_errors=True)


# ------------------------------------------------------------------ clients

def start_clients(prefix, count, dialect="fastrtc", source=FASTRTC_FROM, **kw):
    """@count clients started one after the other, each once it hears its
    echo (so leastconn sees the ones before it)."""
    out = []
    for k in range(count):
        c = PacedClient(PROXY_PORT, "%s-%d" % (prefix, k), dialect, source, **kw)
        c.start()
        check(wait_for(lambda: len(c.echo_times) >= 5, 20),
              "%r hears its echo through the proxy (%d frames)" % (c, len(c.echo_times)))
        out.append(c)
    return out


def finish(clients):
    """Stops @clients; each got back as many bytes as it sent, close 1000."""
    for c in clients:
        c.stop()
    for c in clients:
        c.join(30)
        check(c.close_code == 1000 and c.got == c.sent and c.sent > 0,
              "%r: %d bytes back of %d sent, close %s %s"
              % (c, c.got, c.sent, c.close_code, c.error or ""))


def where(cluster, clients):
    """{client: index of the instance holding its session}."""
    held = [inst.sessions() for inst in cluster.instances]
    return {c: next((k for k, s in enumerate(held) if c.sid in s), None) for c in clients}


# ------------------------------------------------------------------ cases

def start_aiortc(sid, freq, seconds):
    return subprocess.Popen([sys.executable, AIORTC, "http://127.0.0.1:%d/webrtc/offer"
                             % PROXY_PORT, "--id", sid, "--freq", str(freq),
                             "--seconds", str(seconds)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def aiortc_result(proc, sid):
    out, err = proc.communicate(timeout=90)
    try:
        result = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {}
    if proc.returncode != 0:
        print(err[-2000:])
    result["exit"] = proc.returncode
    return result


def case_proxy():
    cluster = Cluster(3)
    clients = []
    try:
        rtc = [("rtc-one", 440), ("rtc-two", 1250), ("rtc-three", 660)]
        peers = [start_aiortc(sid, freq, 8) for sid, freq in rtc]
        clients = start_clients("fastrtc", 4)
        spoofer = PacedClient(PROXY_PORT, "spoofer", source=FASTRTC_FROM,
                              headers={"X-Forwarded-For": "6.6.6.6"})
        spoofer.start()
        check(wait_for(lambda: len(spoofer.echo_times) >= 5, 20), "the spoofer hears its echo")
        clients += [spoofer] + start_clients("MZtwilio", 3, "twilio", TWILIO_FROM)
        placed = where(cluster, clients)
        check(all(k is not None for k in placed.values()),
              "every WebSocket session is held by an instance: %s" % placed)
        check(len(set(placed.values())) >= 2,
              "the WebSocket sessions are spread: %s" % sorted(placed.values(), key=str))
        held, homes = {}, {}
        for inst in cluster.instances:
            held.update(inst.sessions())
        for c in clients:
            want = TWILIO_FROM if c.dialect == "twilio" else FASTRTC_FROM
            remote = held.get(c.sid, {}).get("remote-address", "")
            check(remote.split(":")[0] == want,
                  "%r: remote address %r is its client's (%s), not the proxy's" % (c, remote, want))
        for sid, _f in rtc:
            check(wait_for(lambda: held.get(sid, {}).get("started") or held.update(
                {k: v for inst in cluster.instances for k, v in inst.sessions().items()}),
                20), "%s: a WebRTC session started" % sid)
            homes[sid] = cluster.holder(sid)
            remote = held.get(sid, {}).get("remote-address", "")
            check(remote.startswith("10.201.0."),
                  "%s: remote address %r is its peer's ICE address" % (sid, remote))
        finish(clients)
        for (sid, freq), proc in zip(rtc, peers):
            result = aiortc_result(proc, sid)
            check(result["exit"] == 0, "%s: sent %d Hz through the proxy, heard %s Hz"
                  % (sid, freq, result.get("heard_hz")))
        print("     WebRTC sessions were on instances %s" % homes)
        cand = {"candidate": "candidate:1 1 UDP 2122252543 10.201.0.2 40000 typ host",
                "sdpMid": "0", "sdpMLineIndex": 0}
        for sid, _f in rtc:
            answers = set()
            for _ in range(5):
                st, _h, body = request(PROXY_PORT, "POST", "/webrtc/offer",
                                       {"Content-Type": "application/json"},
                                       json.dumps({"type": "ice-candidate", "webrtc_id": sid,
                                                   "candidate": cand}))
                answers.add((st, json.loads(body).get("meta", {}).get("error")))
            check(len(answers) == 1 and list(answers)[0][1] == "connection_closed",
                  "%s: its candidates reach the instance that held it: %s" % (sid, answers))
    finally:
        for c in clients:
            c.stop()
        cluster.close()


def case_kill():
    cluster = Cluster(3)
    clients = []
    try:
        clients = start_clients("before", 6)
        placed = where(cluster, clients)
        counts = [list(placed.values()).count(k) for k in range(3)]
        check(all(n >= 1 for n in counts), "every instance holds sessions: %s" % counts)
        victim = 1
        doomed = [c for c in clients if placed[c] == victim]
        living = [c for c in clients if placed[c] != victim]
        t_kill = time.time()
        cluster.instances[victim].proc.kill()
        for c in doomed:
            c.join(15)
            check(c.closed_at is not None and c.close_code != 1000,
                  "%r on the killed instance: its connection ended (%s, %.1f s after)"
                  % (c, c.close_code, (c.closed_at or time.time()) - t_kill))
        check(wait_for(lambda: server_states().get("i2") == "DOWN", 15),
              "HAProxy marks the killed instance DOWN: %s" % server_states())
        new = start_clients("after", 4)
        homes = where(cluster, new)
        check(all(k is not None and k != victim for k in homes.values()),
              "new sessions land on the live instances: %s" % sorted(homes.values(), key=str))
        time.sleep(1.0)
        t = time.time()
        time.sleep(1.0)
        for c in living:
            check(c.echoes_since(t) >= 25, "%r goes on: %d echoes in the last second"
                  % (c, c.echoes_since(t)))
        finish(living + new)
    finally:
        for c in clients:
            c.stop()
        cluster.close()


def case_drain():
    cluster = Cluster(3)
    clients = []
    try:
        clients = start_clients("before", 6)
        placed = where(cluster, clients)
        counts = [list(placed.values()).count(k) for k in range(3)]
        check(all(n >= 1 for n in counts), "every instance holds sessions: %s" % counts)
        victim = 1
        inst = cluster.instances[victim]
        draining = [c for c in clients if placed[c] == victim]
        others = [c for c in clients if placed[c] != victim]
        t_term = time.time()
        inst.proc.send_signal(signal.SIGTERM)
        # At once (HAProxy may still count it in: its 503 is retried elsewhere).
        new = start_clients("during", 3)
        check(wait_for(lambda: server_states().get("i2") == "DOWN", 15),
              "HAProxy takes the draining instance out: %s" % server_states())
        new += start_clients("after", 3)
        homes = where(cluster, new)
        check(all(k is not None and k != victim for k in homes.values()),
              "new sessions land elsewhere: %s" % sorted(homes.values(), key=str))
        print("     HAProxy's retries on the draining instance: %s" % server_stats("i2"))
        while time.time() < t_term + 3:
            time.sleep(0.1)
        t = time.time()
        time.sleep(1.0)
        for c in draining:
            check(c.echoes_since(t) >= 25 and c.closed_at is None,
                  "%r on the draining instance goes on: %d echoes in the last second"
                  % (c, c.echoes_since(t)))
        check(inst.proc.poll() is None, "the draining instance runs while it holds calls")
        t_stop = time.time()
        finish(draining)
        status = inst.wait(20)
        check(status == 0, "it exits 0 once its last session ended: %s (%.1f s after)"
              % (status, time.time() - t_stop))
        finish(others + new)
    finally:
        for c in clients:
            c.stop()
        cluster.close()


def case_script():
    env = dict(os.environ, INSTANCES="2", PORT="9080", FIRST_PORT="9081",
               STATS_PORT=str(STATS_PORT),
               BUILD_DIR=os.path.dirname(os.path.dirname(os.path.abspath(SERVE))))
    script = subprocess.Popen([CLUSTER_SH, "sessionbin", "drain-timeout=30",
                               "websocket-output-rate=48000", "api-token=" + TOKEN], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    c = None
    try:
        check(wait_listening(9080, 20, script) and wait_for(
            lambda: sorted(server_states().values()) == ["UP", "UP"], 20),
            "cluster.sh: HAProxy and 2 instances UP: %s" % server_states())
        c = PacedClient(9080, "through-script", source=FASTRTC_FROM)
        c.start()
        check(wait_for(lambda: len(c.echo_times) >= 5, 20), "a client hears its echo")
        if shutil.which("redis-server"):
            # The script's Redis directory: both instances list the call.
            check(wait_for(lambda: all("through-script" in Instance.sessions_at(p)
                                       for p in (9081, 9082)), 15),
                  "cluster.sh's directory: both instances list the call")
        t_term = time.time()
        script.send_signal(signal.SIGTERM)
        time.sleep(2.0)
        check(c.echoes_since(t_term + 1) >= 25 and c.closed_at is None,
              "the call goes on after SIGTERM: %d echoes" % c.echoes_since(t_term + 1))
        check(script.poll() is None, "the script waits for the call")
        finish([c])
        try:
            _out, err = script.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            err = ""
        check(script.returncode == 0, "cluster.sh exits 0: %s %s"
              % (script.returncode, err[-500:]))
        check(not wait_listening(9080, 1), "HAProxy stopped too")
        check(not wait_listening(6379, 1), "Redis stopped too")
    finally:
        if c:
            c.stop()
        if script.poll() is None:
            script.send_signal(signal.SIGINT)
            try:
                script.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(script.pid, signal.SIGKILL)


CASES = {
    "proxy": case_proxy,
    "kill": case_kill,
    "drain": case_drain,
    "script": case_script,
}

if __name__ == "__main__":
    list_cases(CASES)
    if shutil.which("haproxy") is None:
        print("haproxy is not installed (scripts/bootstrap.sh installs it)")
        sys.exit(77)
    run_inside(__file__, lambda: run_cases(CASES))
