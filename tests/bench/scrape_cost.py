#!/usr/bin/env python3
"""What a scrape costs: GET /metrics and a read of the `stats` property with
N live WebSocket sessions (started, then quiet) on an in-process
`sessionsrc ! fakesink`, against the same with none.

    GST_PLUGIN_PATH=build/plugin python3 tests/bench/scrape_cost.py [--sessions 1000]

Prints the median and p99 of each, in microseconds, as measured by the
client (GET: one keep-alive HTTP connection, request to the last byte of
the body; stats: the g_object_get in this process, including the Python
wrapping of the structure)."""
import argparse
import asyncio
import http.client
import json
import os
import statistics
import sys
import time

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402
import websockets  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from servers import free_port, wait_listening  # noqa: E402


def quantiles(samples_us):
    samples_us = sorted(samples_us)
    return statistics.median(samples_us), samples_us[int(len(samples_us) * 0.99) - 1]


def measure(port, src, rounds):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    get_us, size = [], 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        conn.request("GET", "/metrics")
        body = conn.getresponse().read()
        get_us.append((time.perf_counter() - t0) * 1e6)
        size = len(body)
    conn.close()
    stats_us, n = [], 0
    for _ in range(rounds):
        t0 = time.perf_counter()
        st = src.get_property("stats")
        stats_us.append((time.perf_counter() - t0) * 1e6)
        n = st.get_value("sessions")
    return quantiles(get_us), size, quantiles(stats_us), n


async def open_sessions(port, n):
    conns = []
    for i in range(n):
        ws = await websockets.connect("ws://127.0.0.1:%d/websocket/offer" % port)
        await ws.send(json.dumps({"event": "start", "websocket_id": "scrape-%d" % i}))
        conns.append(ws)
    return conns


def report(label, result):
    (g50, g99), size, (s50, s99), n = result
    print("%-22s GET /metrics median %6.0f us p99 %6.0f us (%d B) | stats median %7.0f us "
          "p99 %7.0f us (%d sessions)" % (label, g50, g99, size, s50, s99, n))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    Gst.init(None)
    port = free_port()
    pipe = Gst.parse_launch("sessionsrc name=src port=%d address=127.0.0.1 ! fakesink" % port)
    src = pipe.get_by_name("src")
    pipe.set_state(Gst.State.PLAYING)
    wait_listening(port)
    report("0 sessions", measure(port, src, args.rounds))
    loop = asyncio.new_event_loop()
    conns = loop.run_until_complete(open_sessions(port, args.sessions))
    deadline = time.time() + 30
    while src.get_property("n-sessions") < args.sessions and time.time() < deadline:
        time.sleep(0.05)
    report("%d sessions" % src.get_property("n-sessions"), measure(port, src, args.rounds))
    for ws in conns:
        loop.run_until_complete(ws.close())
    pipe.set_state(Gst.State.NULL)


if __name__ == "__main__":
    main()
