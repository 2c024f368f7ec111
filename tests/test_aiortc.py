#!/usr/bin/env python3
"""Independent WebRTC clients (aiortc) against a gst-launch-1.0 echo
pipeline, inside a private network namespace this test creates: aiortc
never gathers loopback, so the namespace gets a veth pair (tnet0/tnet1,
10.201.0.1-2/24) of its own; nothing leaves it. Needs root (unshare -n)."""
import json
import re
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from servers import free_port, stop_server, wait_listening  # noqa: E402
from netns import run_inside  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, "clients", "aiortc_client.py")


def inside():
    port = free_port()
    server = subprocess.Popen(
        ["gst-launch-1.0", "-e", "sessionsrc", "port=%d" % port, "address=127.0.0.1",
         "ice-addresses=10.201.0.1", "!", "sessioninfo", "silent=false", "!", "sessionsink"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    failures = 0
    try:
        wait_listening(port, proc=server)
        url = "http://127.0.0.1:%d/webrtc/offer" % port
        clients = [("aio-one", 440), ("aio-two", 1250)]
        procs = [subprocess.Popen([sys.executable, CLIENT, url, "--id", ident,
                                   "--freq", str(freq), "--seconds", "4"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for ident, freq in clients]
        ports = {}
        for proc, (ident, freq) in zip(procs, clients):
            out, err = proc.communicate(timeout=90)
            print(out.strip())
            if proc.returncode != 0:
                print(err[-2000:])
            try:
                result = json.loads(out.strip().splitlines()[-1])
            except (ValueError, IndexError):
                result = {}
            ok = proc.returncode == 0 and result.get("id") == ident
            ports[ident] = result.get("candidate_ports", [])
            print("%s: sent %d Hz, heard %s Hz -> %s" % (ident, freq, result.get("heard_hz"),
                                                        "ok" if ok else "FAIL"))
            failures += not ok
    finally:
        log = stop_server(server)
    print(log)
    for ident in ("aio-one", "aio-two"):
        # The selected pair's remote address: one of this client's own
        # candidates (not the server's, not the signalling connection).
        match = re.search(r"session %s \(webrtc/fastrtc from 10\.201\.0\.\d+:(\d+)\)" % ident, log)
        if not match or int(match.group(1)) not in ports.get(ident, []):
            print("%s: remote address is not one of its candidates %s" % (ident, ports.get(ident)))
            failures += 1
        if "session %s ended" % ident not in log:
            print("session %s did not end" % ident)
            failures += 1
    if "EOS received" not in log:
        print("the server did not stop through EOS after its WebRTC sessions")
        failures += 1
    if "WARNING" in log or "ERROR" in log:
        print("the server warned or failed when peers hung up")
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    run_inside(__file__, inside)
