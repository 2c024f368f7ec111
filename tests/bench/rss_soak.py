#!/usr/bin/env python3
"""Memory per connection: runs `gst-launch-1.0 sessionsrc ! sessionsink` on
127.0.0.1, opens many short connections and samples the server's RSS, open
fds and threads every --sample connections. A server that runs for weeks
must not grow with the number of connections it has seen.

The mix, per ten connections: four FastRTC sessions and two Twilio sessions
(start, a few media frames, stop, the close handshake), one
WebSocket upgrade without a key (400), one upgraded connection sending
hostile bytes (closed with 1002), one plain HTTP GET (/ or /metrics), one
connection of random bytes instead of HTTP.

    GST_PLUGIN_PATH=build/plugin tests/bench/rss_soak.py [--connections 100000]
"""
import argparse
import base64
import json
import os
import random
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from servers import free_port, stop_server, wait_listening  # noqa: E402

MEDIA = base64.b64encode(bytes(160)).decode()


def frame(payload, opcode=1):
    """A masked client frame."""
    if isinstance(payload, str):
        payload = payload.encode()
    mask = os.urandom(4)
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def upgrade(path, key=True):
    lines = ["GET %s HTTP/1.1" % path, "Host: 127.0.0.1", "Upgrade: websocket",
             "Connection: Upgrade", "Sec-WebSocket-Version: 13"]
    if key:
        lines.append("Sec-WebSocket-Key: " + base64.b64encode(os.urandom(16)).decode())
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def read_head(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def drain(s):
    """Reads until the server closes."""
    try:
        while s.recv(65536):
            pass
    except OSError:
        pass


def session(s, twilio, n):
    sid = "soak%d" % n
    s.sendall(upgrade("/telephone/handler" if twilio else "/websocket/offer"))
    if not read_head(s).startswith(b"HTTP/1.1 101"):
        return False
    if twilio:
        msgs = [{"event": "connected", "protocol": "Call", "version": "1.0.0"},
                {"event": "start", "streamSid": sid, "start": {
                    "streamSid": sid, "mediaFormat": {"encoding": "audio/x-mulaw",
                                                      "sampleRate": 8000, "channels": 1}}}]
        msgs += [{"event": "media", "streamSid": sid, "media": {"payload": MEDIA}}] * 3
        msgs.append({"event": "stop", "streamSid": sid})
    else:
        msgs = [{"event": "start", "websocket_id": sid}]
        msgs += [{"event": "media", "media": {"payload": MEDIA}}] * 3
        msgs.append({"event": "stop"})
    s.sendall(b"".join(frame(json.dumps(m)) for m in msgs))
    close_handshake(s)
    return True


def close_handshake(s):
    """Reads the server's frames until its close frame, answers it and
    waits for the end of the stream."""
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return
        data += chunk
        while len(data) >= 2:
            n, off = data[1] & 0x7f, 2
            if n == 126:
                n, off = (struct.unpack(">H", data[2:4])[0], 4) if len(data) >= 4 else (None, 0)
            elif n == 127:
                n, off = (struct.unpack(">Q", data[2:10])[0], 10) if len(data) >= 10 else (None, 0)
            if n is None or len(data) < off + n:
                break
            if data[0] & 0x0f == 8:
                s.sendall(frame(data[off:off + n], opcode=8))
                drain(s)
                return
            data = data[off + n:]


KINDS = list(range(10))
TLS = []  # the client context, with --tls


def one(n, port):
    kind = KINDS[n % len(KINDS)]
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        if TLS:
            s = TLS[0].wrap_socket(s, server_hostname="127.0.0.1")
        if kind < 4:
            session(s, False, n)
        elif kind < 6:
            session(s, True, n)
        elif kind == 6:
            s.sendall(upgrade("/websocket/offer", key=False))
            drain(s)
        elif kind == 7:
            s.sendall(upgrade("/websocket/offer"))
            read_head(s)
            s.sendall(bytes([0x8f, 0x85]) + os.urandom(64))  # reserved opcode
            close_handshake(s)
        elif kind == 8:
            path = "/metrics" if n % 20 == 8 else "/"
            s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                       % path).encode())
            drain(s)
        else:
            s.sendall(os.urandom(random.randint(1, 300)) + b"\r\n\r\n")
            drain(s)
    except (OSError, ValueError):
        pass
    finally:
        s.close()


def sample(pid):
    rss = threads = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("Threads:"):
                threads = int(line.split()[1])
    fds = len(os.listdir("/proc/%d/fd" % pid))
    return rss, fds, threads


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=100000)
    parser.add_argument("--sample", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=4,
                        help="clients at once (more raise the allocator's high-water "
                        "mark, not the growth per connection)")
    parser.add_argument("--server-cpu", help="taskset the server to this CPU list")
    parser.add_argument("--tls", action="store_true",
                        help="a self-signed certificate (openssl): every connection over TLS")
    parser.add_argument("--kinds", help="only these kinds of the mix, e.g. 0,4 "
                        "(0-3 FastRTC, 4-5 Twilio, 6 no key, 7 hostile frame, 8 GET, "
                        "9 random bytes)")
    args = parser.parse_args()
    if args.kinds:
        KINDS[:] = [int(k) for k in args.kinds.split(",")]

    port = free_port()
    cmd = ["gst-launch-1.0", "sessionsrc", "port=%d" % port, "address=127.0.0.1"]
    tmp = tempfile.TemporaryDirectory()
    if args.tls:
        cert, key = os.path.join(tmp.name, "c.pem"), os.path.join(tmp.name, "k.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        cmd += ["tls-certificate-file=" + cert, "tls-key-file=" + key]
        TLS.append(ssl.create_default_context(cafile=cert))
    cmd += ["!", "sessionsink"]
    if args.server_cpu:
        cmd = ["taskset", "-c", args.server_cpu] + cmd
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if not wait_listening(port, proc=proc):
        print(proc.communicate()[0])
        sys.exit("server did not start")
    time.sleep(0.5)
    pid = proc.pid
    print("%12s %10s %6s %8s %8s" % ("connections", "RSS (KiB)", "fds", "threads", "seconds"))
    rows = []
    started = time.monotonic()

    def row(done):
        time.sleep(0.5)  # let the last closes land
        rss, fds, threads = sample(pid)
        rows.append((done, rss, fds, threads))
        print("%12d %10d %6d %8d %8.1f" % (done, rss, fds, threads,
                                           time.monotonic() - started), flush=True)
    row(0)
    counter = iter(range(args.connections))
    lock = threading.Lock()
    done = 0
    while done < args.connections:
        batch = min(args.sample, args.connections - done)
        end = done + batch

        def worker():
            while True:
                with lock:
                    n = next(counter, None)
                    if n is None or n >= end:
                        if n is not None:
                            pending.append(n)
                        return
                one(n, port)
        pending = []
        threads = [threading.Thread(target=worker) for _ in range(args.concurrency)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for n in pending:  # taken past the batch's end by a worker
            one(n, port)
        done = end
        row(done)
    stop_server(proc)
    first = rows[1] if len(rows) > 1 else rows[0]
    last = rows[-1]
    per = (last[1] - first[1]) * 1024.0 / max(1, last[0] - first[0])
    print("RSS from %d to %d connections: %+d KiB (%.1f bytes per connection)"
          % (first[0], last[0], last[1] - first[1], per))


if __name__ == "__main__":
    main()
