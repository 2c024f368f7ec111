#!/usr/bin/env python3
"""Independent WebRTC clients (aiortc) through `sessionbin` run by
gst-launch-1.0: each peer gets its own handler instance and hears its own
tone. As tests/test_aiortc.py, inside a private network namespace with a
veth pair (tnet0/tnet1, 10.201.0.1-2/24): aiortc never gathers loopback.
Needs root (unshare -n)."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from servers import free_port, stop_server, wait_listening  # noqa: E402
from netns import run_inside  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, "clients", "aiortc_client.py")
HANDLER = "audioconvert ! audioresample ! audioconvert"


def inside():
    port = free_port()
    # -m prints the element messages: session-ended, session-handler-done.
    server = subprocess.Popen(
        ["gst-launch-1.0", "-e", "-m", "sessionbin", "port=%d" % port, "address=127.0.0.1",
         "ice-addresses=10.201.0.1", "handler=%s" % HANDLER],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    failures = 0
    clients = [("aio-one", 440), ("aio-two", 1250)]
    try:
        if not wait_listening(port, proc=server):
            print("the server does not listen")
            failures += 1
        url = "http://127.0.0.1:%d/webrtc/offer" % port
        procs = [subprocess.Popen([sys.executable, CLIENT, url, "--id", ident,
                                   "--freq", str(freq), "--seconds", "4"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for ident, freq in clients]
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
            print("%s: sent %d Hz, heard %s Hz -> %s" % (ident, freq, result.get("heard_hz"),
                                                        "ok" if ok else "FAIL"))
            failures += not ok
    finally:
        log = stop_server(server)
    print("\n".join(line for line in log.splitlines()
                    if "session-" in line or "WARN" in line or "ERROR" in line))
    for ident, _freq in clients:
        if not re.search(r"session-ended.*session-id=\(string\)%s\b" % ident, log):
            print("session %s did not end" % ident)
            failures += 1
        if not re.search(r"session-handler-done.*session-id=\(string\)%s, "
                         r"result=\(string\)finished" % ident, log):
            print("the handler of %s did not finish" % ident)
            failures += 1
    if "WARNING" in log or "ERROR" in log:
        print("the server warned or failed")
        failures += 1
    print("%d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    run_inside(__file__, inside)
