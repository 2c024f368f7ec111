#!/usr/bin/env python3
"""A Redis directory (issue 21, item 4): real `redis-server` processes
(started here on a free loopback port, nothing saved) and real server
processes (`gst-sessionctx-serve sessionsrc directory=redis://...
instance-url=http://127.0.0.1:PORT api-token=... ! sessionsink`, an echo)
with real WebSocket clients streaming at real-time pace, all on loopback.

  api-any-instance  two instances; sessions on both: GET /sessions on
          either lists every session of the cluster, each with its
          "instance"; through A, on a session held by B: GET (200, its
          fields, instance B), message (B's client gets that JSON), clear
          (B's Twilio client gets its clear), DELETE (B's client sees close
          1000 "api"; then 404); wrong or no token 401 (never forwarded),
          unknown id 404, hostile ids 400, hostile bodies 400/415 for the
          remote session; a forwarded request answers for its receiver
          only (X-Sessionctx-Forwarded); the forwards are counted
  duplicate  an id live on A started on B: failed
          `connection_already_exists`, close 1008 — as a duplicate on A
          itself; A's session streams on (every frame echoed); counted
  duplicate-race  one id started on A and B at the same moment (5 ids):
          one session lives, the other ends `connection_already_exists`
          1008 — refused at its start, or its claim lost at the write
          (the window of one heartbeat); each counted
  hostile-entries  values another writer put in Redis (no newline, a
          bad instance URL, not JSON, an array, a string, a control
          character in the id, an empty id, 300 KB, nested 40 deep): left out
          of the list;
          a well-formed one of an unreachable instance is listed with its
          key's id, GET/clear on it answer 502 `instance_unreachable`, its
          id is refused here; A's own session streams on
  kill      three instances; kill -9 one: the API on a survivor answers
          502 for its sessions while the directory still names it, and
          within TTL + heartbeat + slack the directory forgets them; the
          survivors' sessions lost no frame
  redis-restart  Redis stopped and started again while clients stream on
          two instances: every frame echoed, close 1000; while it is down
          sessionctx_directory_up is 0 and each instance lists its own
          sessions; once it is back the directory lists them all again
  redis-hung  Redis stopped with SIGSTOP (connections accepted, never
          answered) for a few seconds while clients stream: directory_up
          0 (the link's timeouts), a new session is taken and echoed, the
          API answers at once with this instance's sessions; after SIGCONT
          every session is listed everywhere; every frame echoed
  config    directory that is not a redis:// URL, or without instance-url:
          the launcher fails at start, naming the property

    test_directory.py [CASE...]      needs redis-server (Debian's)
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from checks import check, list_cases, run_cases  # noqa: E402
from pacedclient import PacedClient  # noqa: E402
from servers import free_port, wait_listening, why_not_listening  # noqa: E402
from webapi import failed_code, metrics, request, wait_for  # noqa: E402

ROOT = os.path.dirname(HERE)
SERVE = os.environ.get("SESSIONCTX_SERVE") or os.path.join(
    ROOT, "build", "tools", "gst-sessionctx-serve")
REDIS = shutil.which("redis-server")
TOKEN = "directory-Test_token"
AUTH = {"Authorization": "Bearer " + TOKEN}
# The heartbeat (1 s) and the expiry (5 s) of src/internal/cluster.
HEARTBEAT, TTL = 1, 5


# ------------------------------------------------------------------ processes

class Redis:
    """redis-server on 127.0.0.1:@port, nothing saved."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.proc = None
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            [REDIS, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not wait_listening(self.port, 30, self.proc):
            raise RuntimeError("redis-server did not listen on %d" % self.port)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    @property
    def url(self):
        return "redis://127.0.0.1:%d" % self.port


class Instance:
    """One server with the directory: an echo on 127.0.0.1:port."""

    def __init__(self, redis, port=None, extra=()):
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.proc = subprocess.Popen(
            [SERVE, "sessionsrc", "port=%d" % self.port, "address=127.0.0.1",
             "api-token=" + TOKEN, "directory=" + redis.url,
             "instance-url=" + self.url, "websocket-output-rate=48000",
             "drain-timeout=60"] + list(extra) + ["!", "sessionsink"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        # Generous: the first start after a build scans the plugins
        # (its own registry file) on a machine others load too.
        if not wait_listening(self.port, 90, self.proc):
            why = why_not_listening(self.proc, self.port)
            raise RuntimeError("instance on %d did not start:\n%s\n%s"
                               % (self.port, why, self.proc.stderr.read()))

    def api(self, method, path, headers=None, body=None):
        """(status, parsed JSON or None, headers) of an API request."""
        st, h, data = request(self.port, method, path,
                              AUTH if headers is None else headers, body)
        try:
            return st, json.loads(data), h
        except ValueError:
            return st, None, h

    def sessions(self):
        """{id: session} the instance lists ({} when it does not answer)."""
        try:
            st, j, _h = self.api("GET", "/sessions")
        except OSError:
            return {}
        return {s["id"]: s for s in j["sessions"]} if st == 200 else {}

    def metrics(self):
        return metrics(self.port)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stderr.close()


def path_of(sid, tail=""):
    return "/sessions/" + urllib.parse.quote(sid, safe="") + tail


def start_clients(specs):
    """PacedClients for [(port, id, dialect)], started; once each is
    listed by its own instance's port (its start taken)."""
    clients = [PacedClient(port, sid, dialect) for port, sid, dialect in specs]
    for c in clients:
        c.start()
    return clients


def stop_clients(clients):
    for c in clients:
        c.stop()
    for c in clients:
        c.join(30)


def echoed_all(c):
    """Every byte the client sent came back, and it closed normally."""
    return (c.error is None and c.close_code == 1000 and c.sent > 0
            and c.got == c.sent)


def listed_everywhere(instances, ids, timeout=15):
    return wait_for(lambda: all(set(ids) <= set(i.sessions()) for i in instances),
                    timeout, 0.2)


class Cluster:
    """Redis and @n instances, stopped at the end of a `with`."""

    def __init__(self, n):
        self.redis = Redis()
        self.instances = []
        try:
            for _ in range(n):
                self.instances.append(Instance(self.redis))
        except Exception:
            self.__exit__()
            raise

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for i in self.instances:
            i.stop()
        self.redis.stop()


# ------------------------------------------------------------------ cases

def case_api_any_instance():
    with Cluster(2) as cl:
        a, b = cl.instances
        sid_a, sid_b, twilio_b = "dir-a", "dir-b/é ?", "MZdirtwilio"
        clients = start_clients([(a.port, sid_a, "fastrtc"),
                                 (b.port, sid_b, "fastrtc"),
                                 (b.port, twilio_b, "twilio")])
        ca, cb, ct = clients
        check(listed_everywhere([a, b], [sid_a, sid_b, twilio_b]),
              "both instances list the three sessions")
        for inst in (a, b):
            listed = inst.sessions()
            check(listed.get(sid_a, {}).get("instance") == a.url
                  and listed.get(sid_b, {}).get("instance") == b.url
                  and listed.get(twilio_b, {}).get("instance") == b.url,
                  "%s: each session names its instance" % inst.url)
            check(listed.get(sid_b, {}).get("transport") == "websocket"
                  and listed.get(twilio_b, {}).get("dialect") == "twilio",
                  "%s: remote entries carry their fields" % inst.url)
        st, body, _h = a.api("GET", "/sessions")
        ids = [s["id"] for s in body["sessions"]]
        check(ids == sorted(ids), "the merged list is sorted by id")

        st, j, _h = a.api("GET", path_of(sid_b))
        check(st == 200 and j.get("id") == sid_b and j.get("instance") == b.url
              and j.get("dialect") == "fastrtc" and j.get("started") is True,
              "GET through A of B's session: 200, its fields, instance B (%s)" % st)
        st, j, _h = a.api("GET", path_of(sid_a))
        check(st == 200 and j.get("instance") == a.url, "GET of A's own session")

        msg = {"event": "note", "text": "from A", "n": 21}
        st, j, _h = a.api("POST", path_of(sid_b, "/message"),
                          dict(AUTH, **{"Content-Type": "application/json"}),
                          json.dumps(msg))
        check(st == 200 and j == {"status": "success"}, "message through A: 200 (%s)" % st)
        check(wait_for(lambda: msg in cb.events, 10),
              "B's client got the message sent through A")
        st, j, _h = a.api("POST", path_of(twilio_b, "/clear"))
        check(st == 200, "clear through A: 200 (%s)" % st)
        check(wait_for(lambda: any(e.get("event") == "clear" and e.get("streamSid") == twilio_b
                                   for e in ct.events), 10),
              "B's Twilio client got its clear")

        # Access: checked where the request lands (never forwarded).
        for headers, what in (({}, "no token"), ({"Authorization": "Bearer nope"}, "wrong token")):
            st, j, h = a.api("GET", path_of(sid_b), headers)
            check(st == 401 and failed_code(json.dumps(j)) == "unauthorized",
                  "%s through A for B's session: 401 (%s)" % (what, st))
            st, _j, _h = a.api("DELETE", path_of(sid_b), headers)
            check(st == 401, "%s DELETE through A: 401" % what)
        st, j, _h = a.api("GET", path_of("no-such-session"))
        check(st == 404 and j["meta"]["error"] == "unknown_session", "unknown id: 404")
        st, _j, _h = a.api("POST", path_of("no-such-session", "/clear"))
        check(st == 404, "clear of an unknown id: 404")
        for raw in ("/sessions/%00", "/sessions/%0A", "/sessions/%ZZ",
                    "/sessions/" + "x" * 10000, "/sessions/a%2F..%2F%0D"):
            st, j, _h = a.api("GET", raw)
            # (%ZZ: libsoup refuses the URI itself, with no JSON body.)
            check(st == 400, "hostile id %r...: 400 (%s)" % (raw[:24], st))
        for body, ctype, want in (("{not json", "application/json", 400),
                                  ("[1,2]", "application/json", 400),
                                  ('"text"', "application/json", 400),
                                  ("{}", "text/plain", 415),
                                  ("x" * (70 * 1024), "application/json", 413)):
            st, _j, _h = a.api("POST", path_of(sid_b, "/message"),
                               dict(AUTH, **{"Content-Type": ctype}), body)
            check(st == want, "hostile body %r...: %d (%s)" % (body[:10], want, st))
        check(not any(e.get("event") == "note" and e.get("n") != 21 for e in cb.events)
              and sum(1 for e in cb.events if e == msg) == 1,
              "B's client got nothing but the one message")

        # A forwarded request answers for its receiver only.
        fwd = dict(AUTH, **{"X-Sessionctx-Forwarded": "1"})
        st, j, _h = a.api("GET", "/sessions", fwd)
        check(st == 200 and [s["id"] for s in j["sessions"]] == [sid_a],
              "forwarded list: the receiver's own sessions only")
        st, _j, _h = a.api("GET", path_of(sid_b), fwd)
        check(st == 404, "forwarded GET of another's session: 404 (no loop)")

        st, j, _h = a.api("DELETE", path_of(sid_b))
        check(st == 200, "DELETE through A: 200 (%s)" % st)
        check(wait_for(lambda: cb.closed_at is not None, 10)
              and cb.close_code == 1000 and cb.close_reason == "api",
              "B's client closed 1000 api (%s %s)" % (cb.close_code, cb.close_reason))
        st, _j, _h = a.api("GET", path_of(sid_b))
        check(st == 404, "GET through A after the end: 404 (%s)" % st)
        check(wait_for(lambda: sid_b not in a.sessions() and sid_b not in b.sessions(),
                       HEARTBEAT + 5),
              "the ended session leaves both lists")
        m = a.metrics()
        check(m.get('sessionctx_directory_forwarded_total{outcome="answered"}', 0) >= 5
              and m.get("sessionctx_directory_up") == 1,
              "A counts its forwards; directory up")
        stop_clients([ca, ct])
        check(echoed_all(ca) and echoed_all(ct),
              "the other sessions streamed on: every frame echoed, close 1000")


def start_and_refusal(port, sid):
    """(failed code, close code) of a FastRTC start of @sid on @port."""
    import asyncio
    import websockets

    async def go():
        async with websockets.connect("ws://127.0.0.1:%d/websocket/offer" % port) as ws:
            await ws.send(json.dumps({"event": "start", "websocket_id": sid}))
            code = None
            try:
                while True:
                    m = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    code = code or failed_code(json.dumps(m))
            except websockets.ConnectionClosed:
                pass
            except asyncio.TimeoutError:
                return code, None
            return code, ws.close_code
    return asyncio.run(go())


def case_duplicate():
    with Cluster(2) as cl:
        a, b = cl.instances
        sid = "dup-across"
        ca, = start_clients([(a.port, sid, "fastrtc")])
        check(listed_everywhere([a, b], [sid]), "B lists A's session")
        here = start_and_refusal(a.port, sid)
        check(here == ("connection_already_exists", 1008),
              "duplicate on A itself: connection_already_exists, 1008 (%s)" % (here,))
        there = start_and_refusal(b.port, sid)
        check(there == here, "the same id started on B: refused the same way (%s)" % (there,))
        check(b.metrics().get("sessionctx_directory_refused_total") == 1,
              "B counts one start refused for the directory")
        check(sid not in {k for k, v in b.sessions().items() if v.get("instance") == b.url},
              "B holds no session of that id")
        stop_clients([ca])
        check(echoed_all(ca), "A's session streamed on: every frame echoed, close 1000")


def race(ports, sid, hold=4.0):
    """Starts @sid on each of @ports at once; after @hold seconds, per
    port: (failed code or None, close code or None while still open)."""
    import asyncio
    import websockets

    async def one(port, go):
        async with websockets.connect("ws://127.0.0.1:%d/websocket/offer" % port) as ws:
            await go.wait()
            await ws.send(json.dumps({"event": "start", "websocket_id": sid}))
            code = None
            try:
                while True:
                    m = json.loads(await asyncio.wait_for(ws.recv(), hold))
                    code = code or failed_code(json.dumps(m))
            except websockets.ConnectionClosed:
                return code, ws.close_code
            except asyncio.TimeoutError:
                return code, None

    async def main():
        go = asyncio.Event()
        tasks = [asyncio.ensure_future(one(p, go)) for p in ports]
        await asyncio.sleep(0.5)       # both connected, then both start
        go.set()
        return await asyncio.gather(*tasks)
    return asyncio.run(main())


def case_duplicate_race():
    with Cluster(2) as cl:
        a, b = cl.instances
        for n in range(5):
            sid = "race-%d" % n
            outcomes = race([a.port, b.port], sid)
            live = [o for o in outcomes if o[1] is None]
            ended = [o for o in outcomes if o[1] is not None]
            check(len(live) == 1 and ended == [("connection_already_exists", 1008)],
                  "%s started on A and B at once: one lives, the other ends as a "
                  "duplicate (%s)" % (sid, outcomes))
        lost = sum(i.metrics().get("sessionctx_directory_claims_lost_total", 0)
                   for i in (a, b))
        refused = sum(i.metrics().get("sessionctx_directory_refused_total", 0)
                      for i in (a, b))
        print("     (claims lost in a race: %d, starts refused: %d)" % (lost, refused))
        check(lost + refused == 5, "each loser counted: lost %d + refused %d" % (lost, refused))


def redis_command(port, *args):
    """One command to Redis on @port (RESP, raw bytes): its reply line."""
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else a.encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    with socket.create_connection(("127.0.0.1", port), 5) as s:
        s.sendall(out)
        return s.recv(4096)


def case_hostile_entries():
    with Cluster(1) as cl:
        a, = cl.instances
        ca, = start_clients([(a.port, "mine", "fastrtc")])
        check(wait_for(lambda: "mine" in a.sessions(), 10), "A lists its session")
        dead = "http://127.0.0.1:%d" % free_port()
        entries = {
            "no-newline": b"just text",
            "bad-url": b"ftp://x\n{}",
            "url-with-space": b"http://a b\n{}",
            "not-json": dead.encode() + b"\n{nope",
            "json-array": dead.encode() + b"\n[1,2]",
            "json-string": dead.encode() + b"\n\"s\"",
            "bad\x01id": dead.encode() + b"\n{}",
            "huge": dead.encode() + b"\n{\"x\":\"" + b"y" * 300000 + b"\"}",
            "deep": dead.encode() + b"\n" + b'{"a":' * 40 + b"1" + b"}" * 40,
            "foreign": dead.encode() + b'\n{"id":"lies","transport":"websocket"}',
        }
        for sid, value in entries.items():
            redis_command(cl.redis.port, b"SET", b"sessionctx:session:" + sid.encode(), value,
                          b"EX", b"60")
        redis_command(cl.redis.port, b"SET", b"sessionctx:session:", b"x", b"EX", b"60")
        check(wait_for(lambda: "foreign" in a.sessions(), HEARTBEAT + 5),
              "a well-formed entry of another instance is listed")
        listed = a.sessions()
        check(set(listed) == {"mine", "foreign"},
              "malformed entries are left out: %s" % sorted(listed))
        check(listed["foreign"].get("id") == "foreign"
              and listed["foreign"].get("instance") == dead,
              "an entry shows its key's id and its instance, not what it claims")
        st, j, _h = a.api("GET", path_of("foreign"))
        check(st == 502 and j["meta"]["error"] == "instance_unreachable",
              "its instance unreachable: 502 instance_unreachable (%s)" % st)
        st, _j, _h = a.api("POST", path_of("foreign", "/clear"))
        check(st == 502, "clear: 502 (%s)" % st)
        here = start_and_refusal(a.port, "foreign")
        check(here == ("connection_already_exists", 1008),
              "its id is refused here like a duplicate (%s)" % (here,))
        m = a.metrics()
        check(m.get('sessionctx_directory_forwarded_total{outcome="unreachable"}') == 2,
              "the unreachable forwards are counted")
        stop_clients([ca])
        check(echoed_all(ca), "A's session streamed on: every frame echoed, close 1000")


def case_kill():
    with Cluster(3) as cl:
        a, b, c = cl.instances
        clients = start_clients([(a.port, "kill-a", "fastrtc"),
                                 (b.port, "kill-b", "fastrtc"),
                                 (c.port, "kill-c1", "fastrtc"),
                                 (c.port, "kill-c2", "twilio")])
        ids = ["kill-a", "kill-b", "kill-c1", "kill-c2"]
        check(listed_everywhere([a, b, c], ids), "every instance lists the four sessions")
        c.proc.kill()
        killed = time.time()
        c.proc.wait()
        st, j, _h = a.api("GET", path_of("kill-c1"))
        check(st in (502, 504) and j["meta"]["error"] in ("instance_unreachable",
                                                           "instance_timeout"),
              "while the directory still names the dead instance: 502 (%s)" % st)
        gone = wait_for(lambda: not ({"kill-c1", "kill-c2"} & (set(a.sessions())
                                                                | set(b.sessions()))),
                        TTL + HEARTBEAT + 8, 0.2)
        took = time.time() - killed
        check(gone, "the directory forgot the dead instance's sessions (%.1f s)" % took)
        check({"kill-a", "kill-b"} <= set(a.sessions()) and
              {"kill-a", "kill-b"} <= set(b.sessions()),
              "the survivors' sessions are still listed")
        st, _j, _h = a.api("GET", path_of("kill-c1"))
        check(st == 404, "then its sessions are unknown: 404 (%s)" % st)
        stop_clients(clients)
        for cl_ in clients[:2]:
            check(echoed_all(cl_), "%r streamed on: every frame echoed, close 1000" % cl_)
        check(all(cl_.close_code != 1000 for cl_ in clients[2:]),
              "the killed instance's clients lost their connection")
        cl.instances.remove(c)


def case_redis_restart():
    with Cluster(2) as cl:
        a, b = cl.instances
        clients = start_clients([(a.port, "rr-a", "fastrtc"),
                                 (b.port, "rr-b", "twilio")])
        check(listed_everywhere([a, b], ["rr-a", "rr-b"]), "both listed everywhere")
        cl.redis.stop()
        down_at = time.time()
        check(wait_for(lambda: a.metrics().get("sessionctx_directory_up") == 0
                       and b.metrics().get("sessionctx_directory_up") == 0, 10),
              "directory_up 0 on both while Redis is down")
        check(set(a.sessions()) == {"rr-a"} and set(b.sessions()) == {"rr-b"},
              "down: each instance lists its own sessions")
        st, j, _h = a.api("GET", path_of("rr-b"))
        check(st == 404, "down: another's session is unknown here (%s)" % st)
        time.sleep(max(0, 3 - (time.time() - down_at)))
        cl.redis.start()
        back = wait_for(lambda: listed_everywhere([a, b], ["rr-a", "rr-b"], 1), 20, 0.2)
        check(back, "Redis back: the directory lists both sessions again (%.1f s)"
              % (time.time() - down_at))
        check(a.metrics().get("sessionctx_directory_up") == 1
              and a.metrics().get("sessionctx_directory_errors_total", 0) >= 1,
              "directory_up 1 again; the outage counted as errors")
        st, _j, _h = a.api("POST", path_of("rr-b", "/clear"))
        check(st == 200, "forwarding works again: clear through A (%s)" % st)
        time.sleep(1)
        stop_clients(clients)
        for c in clients:
            check(echoed_all(c), "%r: media unaffected (every frame echoed, close 1000; "
                  "%d/%d bytes)" % (c, c.got, c.sent))


def case_redis_hung():
    with Cluster(2) as cl:
        a, b = cl.instances
        clients = start_clients([(a.port, "hung-a", "fastrtc"),
                                 (b.port, "hung-b", "fastrtc")])
        check(listed_everywhere([a, b], ["hung-a", "hung-b"]), "both listed everywhere")
        cl.redis.proc.send_signal(signal.SIGSTOP)     # accepts, never answers
        try:
            check(wait_for(lambda: a.metrics().get("sessionctx_directory_up") == 0, 10),
                  "Redis hung: directory_up 0 (its timeouts)")
            t0 = time.time()
            late, = start_clients([(a.port, "hung-late", "fastrtc")])
            check(wait_for(lambda: len(late.echo_times) >= 5, 10),
                  "a session started while Redis hangs is taken and echoed (%.2f s to "
                  "5 echoes)" % (time.time() - t0))
            t0 = time.time()
            st, j, _h = a.api("GET", "/sessions")
            took = time.time() - t0
            check(st == 200 and {"hung-a", "hung-late"} <= {s["id"] for s in j["sessions"]},
                  "the API answers meanwhile (%.3f s), with this instance's sessions" % took)
            time.sleep(2)
        finally:
            cl.redis.proc.send_signal(signal.SIGCONT)
        check(listed_everywhere([a, b], ["hung-a", "hung-b", "hung-late"], 20),
              "Redis answering again: every session listed everywhere")
        stop_clients(clients + [late])
        for c in clients + [late]:
            check(echoed_all(c), "%r: media unaffected (every frame echoed, close 1000; "
                  "%d/%d bytes)" % (c, c.got, c.sent))


def case_config():
    port = free_port()
    for args, what, word in ((["directory=http://127.0.0.1:1"], "not redis://", "directory"),
                             (["directory=redis://127.0.0.1:1"], "no instance-url",
                              "instance-url"),
                             (["directory=redis://127.0.0.1:1", "instance-url=ftp://x"],
                              "instance-url not http", "instance-url")):
        p = subprocess.run([SERVE, "sessionsrc", "port=%d" % port, "address=127.0.0.1"]
                           + args + ["!", "sessionsink"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=120)
        check(p.returncode != 0 and word in p.stdout,
              "%s: the launcher fails naming %s (%s)" % (what, word, p.returncode))


CASES = {
    "api-any-instance": case_api_any_instance,
    "duplicate": case_duplicate,
    "duplicate-race": case_duplicate_race,
    "hostile-entries": case_hostile_entries,
    "kill": case_kill,
    "redis-restart": case_redis_restart,
    "redis-hung": case_redis_hung,
    "config": case_config,
}

if __name__ == "__main__":
    list_cases(CASES)
    if not REDIS:
        print("SKIP: redis-server is not installed (scripts/bootstrap.sh installs it)")
        sys.exit(77)
    run_cases(CASES)
