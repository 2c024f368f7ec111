#!/usr/bin/env python3
# What a session's start costs the I/O thread that reads every live
# session's media: starts `sessionsrc ! sessionsink` pinned to core 0 (as
# run_load.sh does), opens N Twilio WebSocket sessions from core 1 in
# batches, in two phases (every connect + HTTP upgrade first, then every
# `connected` + `start`), and prints the CPU time (utime + stime from
# /proc/PID/task/TID/stat) of each server thread per session and phase.
# The I/O thread is the one named "sessionserver"; with a handshake
# thread, "sessionhandshake" shows where the upgrades went.
#
#   usage: tests/bench/start_cost.py [--sessions N] [--batch B]
#          [--gap-ms G] [--rate R] [--perf FILE] [--json FILE]
# --perf FILE: `perf record -e cpu-clock -g` on the I/O thread during both
# phases (then `perf report -i FILE --no-children --sort sym`).
# SPDX-License-Identifier: LGPL-2.1-or-later
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from rawws import UPGRADE, ws_frame  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def threads(pid):
    """{tid: (name, CPU seconds)} of every thread of @pid: utime + stime
    from stat (clock ticks), refined by schedstat's nanoseconds on CPU
    when the kernel has it (the same time, finer)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
            name = stat[stat.index("(") + 1:stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2:].split()
            cpu = (int(fields[11]) + int(fields[12])) / TICKS
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                cpu = int(f.read().split()[0]) / 1e9
        except (OSError, ValueError, IndexError):
            if "name" not in locals():
                continue
        out[int(tid)] = (name, cpu)
    return out


def by_name(before, after):
    """CPU seconds spent between two threads () snapshots, by name."""
    spent = {}
    for tid, (name, cpu) in after.items():
        spent[name] = spent.get(name, 0.0) + cpu - before.get(tid, (name, 0))[1]
    return spent


def live_sessions(port):
    body = subprocess.run(
        ["curl", "-s", f"http://127.0.0.1:{port}/metrics"],
        capture_output=True, text=True).stdout
    return sum(float(v) for v in re.findall(
        r"^sessionctx_sessions\{[^}]*\} (\S+)", body, re.M))


def wait_quiet(pid, tid):
    """Until the thread has used no CPU for 0.3 s (its work is done)."""
    last = threads(pid)[tid][1]
    while True:
        time.sleep(0.3)
        now = threads(pid)[tid][1]
        if now == last:
            return
        last = now


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--gap-ms", type=float, default=10)
    ap.add_argument("--rate", type=int, default=0,
                    help="sessionsrc rate (0: default, resampled)")
    ap.add_argument("--perf")
    ap.add_argument("--json")
    ap.add_argument("--port", type=int, default=19700)
    a = ap.parse_args()

    env = dict(os.environ)
    build = os.environ.get("BUILD_DIR", os.path.join(ROOT, "build"))
    env["GST_PLUGIN_PATH"] = os.path.join(build, "plugin")
    env["LD_LIBRARY_PATH"] = os.path.join(build, "src")
    env.setdefault("GST_REGISTRY", "/tmp/start-cost-registry.bin")
    cmd = ["taskset", "-c", "0", "gst-launch-1.0", "-q", "sessionsrc",
           f"port={a.port}", "address=127.0.0.1"]
    if a.rate:
        cmd.append(f"rate={a.rate}")
    cmd += ["!", "sessionsink"]
    os.sched_setaffinity(0, {1})
    server = subprocess.Popen(cmd, env=env)
    try:
        for _ in range(100):
            time.sleep(0.1)
            try:
                socket.create_connection(("127.0.0.1", a.port)).close()
                break
            except OSError:
                pass
        time.sleep(0.5)
        io = [t for t, (n, _) in threads(server.pid).items()
              if n == "sessionserver"]
        assert len(io) == 1, "one I/O thread expected"
        io = io[0]
        perf = None
        if a.perf:
            perf = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock",
                                     "--call-graph", "dwarf,16384", "-t", str(io),
                                     "-o", a.perf],
                                    stdout=subprocess.DEVNULL)
            time.sleep(1)

        socks = []
        t0 = threads(server.pid)
        start = time.monotonic()
        for i in range(0, a.sessions, a.batch):
            for _ in range(min(a.batch, a.sessions - i)):
                s = socket.create_connection(("127.0.0.1", a.port))
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                s.sendall(UPGRADE)
                socks.append(s)
            time.sleep(a.gap_ms / 1000)
        for s in socks:
            got = b""
            while b"\r\n\r\n" not in got:
                chunk = s.recv(4096)
                assert chunk, "closed during the upgrade"
                got += chunk
            assert got.startswith(b"HTTP/1.1 101"), got[:40]
        upgraded_s = time.monotonic() - start
        wait_quiet(server.pid, io)
        t1 = threads(server.pid)

        start = time.monotonic()
        for i in range(0, a.sessions, a.batch):
            for k in range(i, min(i + a.batch, a.sessions)):
                sid = f"MZstart{k}"
                socks[k].sendall(ws_frame(
                    '{"event":"connected","protocol":"Call","version":"1.0.0"}')
                    + ws_frame(
                    '{"event":"start","sequenceNumber":"1","streamSid":"'
                    + sid + '","start":{"streamSid":"' + sid + '","callSid":'
                    '"CA1","mediaFormat":{"encoding":"audio/x-mulaw",'
                    '"sampleRate":8000,"channels":1}}}'))
            time.sleep(a.gap_ms / 1000)
        wait_quiet(server.pid, io)
        started_s = time.monotonic() - start
        t2 = threads(server.pid)
        if perf:
            perf.send_signal(2)
            perf.wait()
        live = live_sessions(a.port)

        up, st = by_name(t0, t1), by_name(t1, t2)
        n = a.sessions
        result = {
            "sessions": n, "live": live, "rate": a.rate or "default",
            "upgrade_wall_s": round(upgraded_s, 3),
            "start_wall_s": round(started_s, 3),
            "io_upgrade_us": round(up.get("sessionserver", 0) / n * 1e6, 1),
            "io_start_us": round(st.get("sessionserver", 0) / n * 1e6, 1),
            "upgrade_us_by_thread": {k: round(v / n * 1e6, 1)
                                     for k, v in up.items() if v},
            "start_us_by_thread": {k: round(v / n * 1e6, 1)
                                   for k, v in st.items() if v},
        }
        print(json.dumps(result))
        if a.json:
            with open(a.json, "w") as f:
                json.dump(result, f, indent=1)
        for s in socks:
            s.close()
    finally:
        server.terminate()
        server.wait()
    return 0 if live == a.sessions else 1


if __name__ == "__main__":
    sys.exit(main())
