#!/usr/bin/env python3
"""max-latency: a pipeline that falls behind never holds a session's audio
longer than max-latency; what is older is dropped, counted per session in
`stats` (audio-dropped, input-backlog-max) and in /metrics
(sessionctx_audio_dropped_seconds_total), and warned once per session.
Real WebSocket clients (Python `websockets`) send 3 s at real-time pace into
`sessionsrc ! identity sleep-time=… ! fakesink`, whose downstream takes
twice as long per buffer as the clients need to send one.

    test_max_latency.py slow|unbounded
"""
import os
import sys
import threading
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from chirp_client import Client, SECONDS, run_clients  # noqa: E402
from harness import Gst, Pipeline  # noqa: E402
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402

MAX_LATENCY = 200 * Gst.MSECOND
# Two clients send 50 buffers a second each; 20 ms of sleep per buffer
# makes the pipeline handle half of them: it falls behind 1 s a second.
SLEEP_US = 20000

from checks import check, failures, run_cases  # noqa: E402,F401


def metric(port, name):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        text = r.read().decode()
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name:
                return s.value
    return None


class StatsPoller:
    """Reads `stats` every 50 ms while the clients stream: the largest
    audio-dropped and input-backlog-max seen per session."""

    def __init__(self, server):
        self.server = server
        self.seen = {}
        self.running = True
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while self.running:
            stats = self.server.server.props.stats
            for i in range(stats.get_value("sessions")):
                s = stats.get_value("session-%d" % i)
                ident = s.get_value("id")
                old = self.seen.get(ident, (0, 0))
                self.seen[ident] = (max(old[0], s.get_value("audio-dropped")),
                                    max(old[1], s.get_value("input-backlog-max")))
            time.sleep(0.05)

    def stop(self):
        self.running = False
        self.thread.join()


def drop_warnings(server):
    """[session-id] of every audio_dropped warning."""
    out = []
    for text, details in server.warnings():
        if details is not None and details.get_value("error") == "audio_dropped":
            out.append(details.get_value("session-id"))
    return out


def slow_run(max_latency):
    extra = "" if max_latency is None else " max-latency=%d" % max_latency
    server = Pipeline.launch(
        "sessionsrc name=server port=0 address=127.0.0.1%s ! identity sleep-time=%d "
        "! fakesink sync=false async=false" % (extra, SLEEP_US)).start()
    clients = [Client("MZslow-%d" % i, "twilio", 8000, 8000, "json") for i in range(2)]
    poller = StatsPoller(server)
    run_clients(server.port, clients)
    poller.stop()
    dropped_total = metric(server.port, "sessionctx_audio_dropped_seconds_total")
    return server, clients, poller.seen, dropped_total


def case_slow():
    server, clients, seen, dropped_total = slow_run(MAX_LATENCY)
    warned = drop_warnings(server)
    server.stop()
    dropped_sum = 0
    for client in clients:
        dropped, backlog = seen.get(client.id, (0, 0))
        dropped_sum += dropped
        print("     %s: audio-dropped %.3f s, input-backlog-max %.3f s"
              % (client.id, dropped / 1e9, backlog / 1e9))
        check(backlog <= MAX_LATENCY, "%s: the queue never held more than max-latency "
              "(%d ms of %d)" % (client.id, backlog // Gst.MSECOND, MAX_LATENCY // Gst.MSECOND))
        check(backlog > MAX_LATENCY // 2, "%s: the queue did fill up to near max-latency "
              "(%d ms)" % (client.id, backlog // Gst.MSECOND))
        check(dropped > 0, "%s: audio dropped counted in stats (%.3f s)"
              % (client.id, dropped / 1e9))
        check(warned.count(client.id) == 1, "%s: warned once (%d)"
              % (client.id, warned.count(client.id)))
    # The pipeline handles half of the 2 × 3 s that come: the oldest
    # audio of either session goes first, about 3 s in all.
    check(dropped_sum >= 0.25 * 2 * SECONDS * Gst.SECOND, "stats: %.3f s dropped in all"
          % (dropped_sum / 1e9))
    check(dropped_total is not None and dropped_total >= dropped_sum / 1e9 - 1e-9,
          "/metrics counts the drops: %s s (stats saw %.3f s)" % (dropped_total, dropped_sum / 1e9))


def case_unbounded():
    """max-latency=0: nothing dropped, the backlog grows past 1 s."""
    server, clients, seen, dropped_total = slow_run(0)
    warned = drop_warnings(server)
    server.stop()
    for client in clients:
        dropped, backlog = seen.get(client.id, (0, 0))
        check(dropped == 0, "%s: nothing dropped with max-latency=0" % client.id)
        check(backlog > Gst.SECOND, "%s: the backlog grew to %.3f s" % (client.id, backlog / 1e9))
    check(warned == [], "no drop warning (%s)" % warned)
    check(dropped_total == 0, "/metrics: 0 s dropped (%s)" % dropped_total)


CASES = {"slow": case_slow, "unbounded": case_unbounded}


def main():
    run_cases(CASES)


if __name__ == "__main__":
    main()
