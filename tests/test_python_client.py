#!/usr/bin/env python3
"""The independent Python client against a real gst-launch-1.0 echo pipeline:
two FastRTC clients and one Twilio client at once, plus one FastRTC and one
Twilio client using binary media frames (S16LE, µ-law); each must hear its
own tone back."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from servers import free_port, stop_server, wait_listening  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, "clients", "fastrtc_ws_client.py")




def main():
    port = free_port()
    server = subprocess.Popen(
        ["gst-launch-1.0", "-e", "sessionsrc", "port=%d" % port, "address=127.0.0.1",
         "!", "sessioninfo", "silent=false", "!", "sessionsink"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        if not wait_listening(port, proc=server):
            raise SystemExit("server did not listen on %d: %s" % (port, server.stdout.read()))
        base = "ws://127.0.0.1:%d" % port
        clients = [
            ([base + "/websocket/offer", "--id", "py-one", "--freq", "440"], "py-one", 440),
            ([base + "/websocket/offer", "--id", "py-two", "--freq", "1300"], "py-two", 1300),
            ([base + "/telephone/handler", "--twilio", "--id", "MZpy", "--freq", "600"],
             "MZpy", 600),
            ([base + "/websocket/offer", "--id", "py-bin", "--freq", "900",
              "--binary", "s16le"], "py-bin", 900),
            ([base + "/telephone/handler", "--twilio", "--id", "MZbin", "--freq", "350",
              "--binary", "mulaw"], "MZbin", 350),
        ]
        procs = [subprocess.Popen([sys.executable, CLIENT] + argv + ["--seconds", "2"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for argv, _, _ in clients]
        failures = 0
        for proc, (_, ident, freq) in zip(procs, clients):
            out, err = proc.communicate(timeout=60)
            print(out.strip(), err.strip())
            result = json.loads(out)
            ok = proc.returncode == 0 and result["id"] == ident
            print("%s: sent %d Hz, heard %.1f Hz -> %s" %
                  (ident, freq, result["heard_hz"], "ok" if ok else "FAIL"))
            failures += not ok
    finally:
        log = stop_server(server)
    print(log)
    # sessioninfo saw each session by its id.
    for ident in ("py-one", "py-two", "MZpy", "py-bin", "MZbin"):
        if "session %s ended" % ident not in log:
            print("sessioninfo did not report the end of %s" % ident)
            failures += 1
    if server.returncode != 0:
        print("gst-launch-1.0 exited with %d" % server.returncode)
        failures += 1
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
