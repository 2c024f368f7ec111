#!/usr/bin/env python3
"""Independent WebRTC clients (aiortc) against a gst-launch-1.0 echo
pipeline (sessionsrc ! sessionsink; sessionbin for audio and video),
inside a private network namespace this test creates: aiortc never
gathers loopback, so the namespace gets a veth pair (tnet0/tnet1,
10.201.0.1-2/24) of its own; nothing leaves it. Needs root (unshare -n).

    test_aiortc.py [CASE...]     the cases of CASES (all by default)"""
import json
import re
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from servers import free_port, stop_server, wait_listening  # noqa: E402
from netns import run_inside  # noqa: E402
from checks import check, list_cases, run_cases  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CLIENT = os.path.join(HERE, "clients", "aiortc_client.py")


def start_echo(port):
    """sessionsrc ! sessioninfo ! sessionsink in gst-launch-1.0, its ICE
    on the namespace's server address."""
    return subprocess.Popen(
        ["gst-launch-1.0", "-e", "sessionsrc", "port=%d" % port, "address=127.0.0.1",
         "ice-addresses=10.201.0.1", "!", "sessioninfo", "silent=false", "!", "sessionsink"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def start_sessionbin(port):
    """sessionbin in gst-launch-1.0, no handler: every kind echoed."""
    return subprocess.Popen(
        ["gst-launch-1.0", "-e", "-m", "sessionbin", "port=%d" % port, "address=127.0.0.1",
         "ice-addresses=10.201.0.1", "opus-complexity=2"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def start_client(port, ident, freq, *args):
    return subprocess.Popen([sys.executable, CLIENT, "http://127.0.0.1:%d/webrtc/offer" % port,
                             "--id", ident, "--freq", str(freq)] + list(args),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def client_result(proc, ident):
    """What the client printed last (its JSON result; {} if none), once it
    exited; its output is printed, its stderr's end too when it failed."""
    out, err = proc.communicate(timeout=90)
    print(out.strip())
    if proc.returncode != 0:
        print(err[-2000:])
    try:
        result = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {}
    if result.get("id") != ident:
        result = {}
    result["exit"] = proc.returncode
    return result


def case_echo():
    """Two peers, 4 s each: each hears its own tone, the selected pair is
    one of its own candidates, the sessions end and the server stops
    through EOS, without a warning."""
    port = free_port()
    server = start_echo(port)
    clients = [("aio-one", 440), ("aio-two", 1250)]
    ports = {}
    try:
        check(wait_listening(port, proc=server), "the server listens")
        procs = [start_client(port, ident, freq, "--seconds", "4") for ident, freq in clients]
        for proc, (ident, freq) in zip(procs, clients):
            result = client_result(proc, ident)
            ports[ident] = result.get("candidate_ports", [])
            check(result["exit"] == 0, "%s: sent %d Hz, heard %s Hz"
                  % (ident, freq, result.get("heard_hz")))
    finally:
        log = stop_server(server)
    print(log)
    for ident, _freq in clients:
        # The selected pair's remote address: one of this client's own
        # candidates (not the server's, not the signalling connection).
        match = re.search(r"session %s \(webrtc/fastrtc from 10\.201\.0\.\d+:(\d+)\)" % ident, log)
        check(match is not None and int(match.group(1)) in ports.get(ident, []),
              "%s: the remote address is one of its candidates %s" % (ident, ports.get(ident)))
        check("session %s ended" % ident in log, "session %s ended" % ident)
    check("EOS received" in log, "the server stopped through EOS after its WebRTC sessions")
    check("WARNING" not in log and "ERROR" not in log,
          "the server neither warned nor failed when peers hung up")


def heard_to_the_end(result, stalls):
    """The checks of a peer that went through @stalls stalls (its own or
    the server's): it heard its tone, its aiortc audio decoder thread is
    alive at the end (aiortc 1.4 joins the packets of one RTP timestamp
    into one frame and its decoder thread asserts each frame decodes to
    20 ms, which a join longer than an Opus packet may be, 1275 bytes, does
    not), the last 2 s it heard are not silent, and the RTP
    timestamps it got never stood still or went back, 960 apart (20 ms)
    on at least 99 % of the steps that are not a jump forward, with at
    most a jump per stall and one more."""
    ident = result.get("id")
    check(result["exit"] == 0, "%s heard its tone: %s Hz" % (ident, result.get("heard_hz")))
    check(result.get("decoder_alive") is True,
          "its audio decoder thread is alive: %s" % result.get("decoder_alive"))
    # 48 kHz: at least 1.5 s of the last 2 s, at about the tone's level
    # (8000 peak, RMS 5657 sent; 5677 measured back).
    check(result.get("tail_samples", 0) >= 72000 and result.get("tail_rms", 0) > 3000,
          "its last 2 s: %s samples, RMS %s" % (result.get("tail_samples"), result.get("tail_rms")))
    rtp = result.get("rtp", {})
    steps = max(rtp.get("packets", 0) - 1, 0)
    paced = steps - rtp.get("jumps", 0)
    check(rtp.get("packets", 0) > 400 and rtp.get("equal") == 0 and rtp.get("backwards") == 0
          and rtp.get("exact", 0) >= 0.99 * paced and rtp.get("jumps", 0) <= stalls + 1,
          "the RTP timestamps it got: %s" % rtp)


def case_stalls():
    """One peer, 10 s, whose event loop stalls 250 ms every 2 s (it sends
    and reads nothing meanwhile, then its tone catches up: a burst)."""
    port = free_port()
    server = start_echo(port)
    try:
        check(wait_listening(port, proc=server), "the server listens")
        result = client_result(start_client(
            port, "aio-stalls", 660, "--seconds", "10", "--stall-every", "2",
            "--stall-ms", "250", "--tail", "2"), "aio-stalls")
    finally:
        log = stop_server(server)
    print("\n".join(line for line in log.splitlines() if "aio-stalls" in line
                    or "WARN" in line or "ERROR" in line))
    check(result.get("stalls", 0) >= 4, "the client stalled %s times" % result.get("stalls"))
    heard_to_the_end(result, result.get("stalls", 0))
    check("session aio-stalls ended" in log, "session aio-stalls ended")


def case_server_stalls():
    """One peer, 10 s, while the server process is stopped (SIGSTOP) for
    500 ms every 2 s from 1.5 s on, four times: a server starved of CPU
    (as by 40 peers on two cores) takes what queued meanwhile at once and
    sends it back as a burst."""
    port = free_port()
    server = start_echo(port)
    try:
        check(wait_listening(port, proc=server), "the server listens")
        client = start_client(port, "aio-starved", 660, "--seconds", "10", "--tail", "2")
        time.sleep(1.5)
        for _ in range(4):
            os.kill(server.pid, signal.SIGSTOP)
            time.sleep(0.5)
            os.kill(server.pid, signal.SIGCONT)
            time.sleep(1.5)
        result = client_result(client, "aio-starved")
    finally:
        os.kill(server.pid, signal.SIGCONT)
        log = stop_server(server)
    print("\n".join(line for line in log.splitlines() if "aio-starved" in line
                    or "WARN" in line or "ERROR" in line))
    heard_to_the_end(result, 4)
    check("session aio-starved ended" in log, "session aio-starved ended")


def distance(a, b):
    return sum((x - y) ** 2 for x, y in zip(a, b)) ** 0.5


def saw_itself(result, colour, others=()):
    """The checks of a peer that sent a camera of @colour (RRGGBB): its
    video came back, at least 10 frames a second at the end (aiortc sends
    30), of its own colour (not one of @others), its video decoder thread
    alive, the frames' RTP timestamps never back nor repeated."""
    ident = result.get("id")
    rgb = tuple(bytes.fromhex(colour))
    centre = result.get("video_centre") or [999, 999, 999]
    check(result.get("video_frames", 0) > 0 and result.get("video_tail_fps", 0) >= 10,
          "%s: %s frames back, %s a second at the end" % (
              ident, result.get("video_frames"), result.get("video_tail_fps")))
    check(distance(centre, rgb) < 60 and all(distance(centre, tuple(bytes.fromhex(o))) > 150
                                             for o in others),
          "%s: sent %s, saw %s back" % (ident, colour, centre))
    check(result.get("video_decoder_alive") is True,
          "%s: its video decoder thread is alive" % ident)
    steps = result.get("video_rtp", {})
    check(steps.get("frames", 0) > 0 and steps.get("backwards") == 0 and steps.get("repeated") == 0,
          "%s: the video RTP timestamps it got: %s" % (ident, steps))


def case_video():
    """Two peers with a camera of a colour and a tone each, 6 s, through
    sessionbin's echo: each sees its own colour and hears its own tone."""
    port = free_port()
    server = start_sessionbin(port)
    clients = [("aio-red", 440, "e02020"), ("aio-blue", 1250, "2040e0")]
    try:
        check(wait_listening(port, proc=server), "the server listens")
        procs = [start_client(port, ident, freq, "--seconds", "6", "--video", colour)
                 for ident, freq, colour in clients]
        results = [client_result(proc, ident) for proc, (ident, _f, _c) in zip(procs, clients)]
    finally:
        log = stop_server(server)
    print("\n".join(line for line in log.splitlines()
                    if "session-" in line or "WARN" in line or "ERROR" in line))
    for result, (ident, freq, colour) in zip(results, clients):
        check(result["exit"] == 0, "%s: sent %d Hz, heard %s Hz" % (ident, freq, result.get("heard_hz")))
        saw_itself(result, colour, [c for _i, _f, c in clients if c != colour])
        check(re.search(r"session-handler-done.*session-id=\(string\)%s, "
                        r"result=\(string\)finished" % ident, log) is not None,
              "the handler of %s finished" % ident)
    check("WARNING" not in log and "ERROR" not in log, "the server neither warned nor failed")


def case_video_stalls():
    """One peer with a camera and a tone, 10 s, whose event loop stalls
    250 ms every 2 s (then both catch up: bursts): aiortc's own decoders
    keep decoding, what it heard and saw at the end is still there."""
    port = free_port()
    server = start_sessionbin(port)
    try:
        check(wait_listening(port, proc=server), "the server listens")
        result = client_result(start_client(
            port, "aio-video-stalls", 660, "--seconds", "10", "--stall-every", "2",
            "--stall-ms", "250", "--tail", "2", "--video", "20c040"), "aio-video-stalls")
    finally:
        log = stop_server(server)
    print("\n".join(line for line in log.splitlines() if "aio-video-stalls" in line
                    or "WARN" in line or "ERROR" in line))
    check(result.get("stalls", 0) >= 4, "the client stalled %s times" % result.get("stalls"))
    heard_to_the_end(result, result.get("stalls", 0))
    saw_itself(result, "20c040")


CASES = {
    "echo": case_echo,
    "stalls": case_stalls,
    "server-stalls": case_server_stalls,
    "video": case_video,
    "video-stalls": case_video_stalls,
}


if __name__ == "__main__":
    list_cases(CASES)
    run_inside(__file__, lambda: run_cases(CASES))
