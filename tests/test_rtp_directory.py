#!/usr/bin/env python3
"""The full context over an RTP hop from the Redis directory (issue 21,
item 5): a real `redis-server` (started here on a free loopback port,
nothing saved); process A is gst-launch-1.0 running `sessionbin` with
`directory=` and `instance-url=`, whose handler sends each session's
audio as L16 RTP with rtphdrextsessionctx; process B (this one):
udpsrc ! rtpL16depay (the extension with `directory=` the same Redis) !
appsink, reading each buffer's context with
gst_session_context_get_current (). Two real WebSocket clients, a FastRTC
one and a Twilio one, stream different tones.

  full        every buffer has its caller's id; after the first few (the
              lookup's window, measured) every buffer has the full
              context: transport and dialect the caller's, the remote
              address 127.0.0.1, metadata via=rtp and A's instance URL;
              never back to the id-only one (the remote address is in
              it when the entry was written after the start: seen in
              every run); one GET per session
              (directory-lookups == directory-found == 2)
  unknown     B's directory another Redis, which holds no session: each id
              asked twice (the retry 3 s later), none found, every buffer
              keeps the id-only context
  redis-down  the Redis of both stopped before the callers start: every
              buffer has its caller's id and the id-only context, no GET
              sent, the media as with Redis up (every caller's buffers,
              each with its tone)

  redis-hung  the Redis of both stopped with SIGSTOP (connections
              accepted, never answered) before the callers start: each
              GET waits out its 500 ms timeout on the lookup's thread, the
              media never: every buffer id-only, no gap over 200 ms
              between a session's buffers, none found

    test_rtp_directory.py [CASE...]      needs redis-server (Debian's)
"""
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, HERE)
from harness import Gst, GstSessionCtx, run_clients  # noqa: E402
from checks import check, run_cases  # noqa: E402
from servers import (free_port, stop_server, wait_listening,  # noqa: E402
                     why_not_listening)
from test_directory import Redis  # noqa: E402
from test_rtp_hop import CALLERS, PACKET, RATE, RTP_CAPS, TONE_OF, URI, free_udp_port  # noqa: E402

SECONDS = 3.0
# The caller's transport and dialect, as the far side must read them.
DIALECT_OF = {ident: dialect for ident, dialect, _f in CALLERS}
# Buffers (20 ms each) a session's may carry the id-only context before
# the directory's answer: one GET on loopback, on a loaded machine.
WINDOW = 25


def start_sender(port, rtp_port, redis_url):
    """Process A: sessionbin in the directory at @redis_url, every
    session's audio to 127.0.0.1:@rtp_port as L16 RTP with the id."""
    handler = ("audioconvert ! audioresample ! audio/x-raw,rate=%d,channels=1 ! "
               "sessionsticky ! rtpL16pay min-ptime=20000000 max-ptime=20000000 ! "
               "application/x-rtp,extmap-1=(string)%s ! "
               "udpsink host=127.0.0.1 port=%d sync=false" % (RATE, URI, rtp_port))
    return subprocess.Popen(
        ["gst-launch-1.0", "-e", "sessionbin", "port=%d" % port, "address=127.0.0.1",
         "directory=" + redis_url, "instance-url=http://127.0.0.1:%d" % port,
         "handler=%s" % handler],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


class Receiver:
    """Process B: what each depayloaded buffer's context holds."""

    def __init__(self, rtp_port, redis_url):
        self.lock = threading.Lock()
        self.redis_url = redis_url
        self.buffers = []        # (arrival, id, transport, dialect, remote, metadata, Hz, rms, n)
        self.extensions = []
        self.pipeline = Gst.parse_launch(
            "udpsrc address=127.0.0.1 port=%d caps=\"%s\" ! rtpL16depay name=depay ! "
            "appsink name=sink sync=false emit-signals=true" % (rtp_port, RTP_CAPS))
        self.pipeline.get_by_name("depay").connect("request-extension", self._on_request)
        self.pipeline.get_by_name("sink").connect("new-sample", self._on_sample)

    def _on_request(self, depay, ext_id, uri):
        if uri != URI:
            return None
        ext = Gst.ElementFactory.make("rtphdrextsessionctx")
        ext.set_id(ext_id)
        ext.set_property("directory", self.redis_url)
        with self.lock:
            self.extensions.append(ext)
        return ext

    def _on_sample(self, sink):
        buf = sink.emit("pull-sample").get_buffer()
        ctx = GstSessionCtx.SessionContext.get_current(None, buf)
        pcm = np.frombuffer(buf.extract_dup(0, buf.get_size()), dtype=">i2").astype(np.float64)
        rms = float(np.sqrt(np.mean(pcm ** 2))) if len(pcm) else 0.0
        freq = 0.0
        if len(pcm) >= 64:
            power = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm)))) ** 2
            power[0] = 0
            freq = float(np.fft.rfftfreq(len(pcm), 1.0 / RATE)[int(np.argmax(power))])
        if ctx:
            meta = ctx.get_metadata()
            row = (time.monotonic(), ctx.get_id(), ctx.get_transport().value_nick,
                   ctx.get_dialect().value_nick, ctx.get_remote_address(),
                   meta.to_string() if meta else None, freq, rms, len(pcm))
        else:
            row = (time.monotonic(), None, None, None, None, None, freq, rms, len(pcm))
        with self.lock:
            self.buffers.append(row)
        return Gst.FlowReturn.OK

    def start(self):
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise RuntimeError("the receiver does not start")

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)

    def counters(self):
        with self.lock:
            exts = list(self.extensions)
        return (sum(e.get_property("directory-lookups") for e in exts),
                sum(e.get_property("directory-found") for e in exts), len(exts))


def full(row, instance):
    """@row's context is the directory's: the caller's transport and
    dialect, A's instance URL, the caller's address when the entry had it
    (A writes the entry at the claim, again at once at the start: a lookup
    between the two, within a few ms of the first packet, finds none)."""
    _t, ident, transport, dialect, remote, meta = row[:6]
    return (ident in DIALECT_OF and transport == "websocket"
            and dialect == DIALECT_OF[ident]
            and (remote is None or remote.startswith("127.0.0.1:"))
            and meta is not None and "via=(string)rtp" in meta
            and ("instance=(string)%s" % instance) in meta)


def id_only(row):
    _t, ident, transport, dialect, remote, meta = row[:6]
    return (ident in DIALECT_OF and transport == "websocket" and dialect == "fastrtc"
            and not remote and meta == "metadata, via=(string)rtp;")


def check_id_only(buffers, what):
    """Every labelled buffer (there are some) has the id-only context."""
    labelled = [b for b in buffers if b[1] is not None]
    check(labelled and all(id_only(b) for b in labelled), "every buffer %s the id-only "
          "context (%d of %d)" % (what, sum(id_only(b) for b in labelled), len(labelled)))


def hop(redis_a, redis_b, stop_first=(), hang_first=()):
    """A in @redis_a's directory, B reading @redis_b; the Redis servers of
    @stop_first stopped, of @hang_first SIGSTOPped, before the callers
    start. B's buffers, its counters, A's instance URL."""
    port, rtp_port = free_port(), free_udp_port()
    receiver = Receiver(rtp_port, redis_b.url)
    receiver.start()
    sender = start_sender(port, rtp_port, redis_a.url)
    try:
        listening = wait_listening(port, 90, sender)
        if not listening:
            print(why_not_listening(sender, port), flush=True)
        check(listening, "process A (sessionbin) listens")
        for r in stop_first:
            r.stop()
        for r in hang_first:
            r.proc.send_signal(signal.SIGSTOP)
        time.sleep(1.5)      # A's first heartbeat (1 s) before the callers
        results = run_clients(port, [dict(id=ident, dialect=dialect, freq=freq,
                                          amplitude=12000, seconds=SECONDS, tail=0.3)
                                     for ident, dialect, freq in CALLERS])
        # The lookups' retries (3 s) answered before the counters are read.
        time.sleep(4.0)
    finally:
        log = stop_server(sender)
        counters = receiver.counters()
        receiver.stop()
    for res in results:
        print(res.id, "sent", res.sent, "samples, closed", res.close_code)
    check(sender.returncode == 0, "process A exits cleanly (%s)" % sender.returncode)
    if sender.returncode != 0:
        print(log[-3000:])
    with receiver.lock:
        buffers = list(receiver.buffers)
    return buffers, counters, "http://127.0.0.1:%d" % port


def check_media(buffers):
    """Every buffer has its caller's id (but a stream's last, short one),
    with its caller's tone; each caller's buffers all there."""
    unlabelled = [b for b in buffers if b[1] is None]
    check(buffers and len(unlabelled) <= len(CALLERS)
          and all(b[8] < PACKET for b in unlabelled),
          "every buffer in B has a session but for a stream's last, short one: "
          "%d of %d without" % (len(unlabelled), len(buffers)))
    strangers = [b[1] for b in buffers if b[1] is not None and b[1] not in TONE_OF]
    check(not strangers, "no buffer names a session that is not a caller's: %s"
          % strangers[:3])
    toned = [b for b in buffers if b[7] > 1000 and b[1] in TONE_OF]
    wrong = [b for b in toned if abs(b[6] - TONE_OF[b[1]]) > 75]
    check(not wrong, "every buffer holds the tone of the session it names: %d wrong"
          % len(wrong))
    expected = SECONDS * 50
    for ident in TONE_OF:
        mine = [b for b in buffers if b[1] == ident]
        check(len(mine) >= 0.9 * expected, "%s: %d buffers of ~%d sent"
              % (ident, len(mine), expected))


def case_full():
    redis = Redis()
    try:
        buffers, (lookups, found, exts), instance = hop(redis, redis)
    finally:
        redis.stop()
    check_media(buffers)
    for ident in TONE_OF:
        mine = [b for b in buffers if b[1] == ident]
        first_full = next((i for i, b in enumerate(mine) if full(b, instance)), None)
        check(first_full is not None, "%s: its buffers get the full context" % ident)
        if first_full is None:
            continue
        before, after = mine[:first_full], mine[first_full:]
        window_ms = (mine[first_full][0] - mine[0][0]) * 1000
        print("%s: %d buffers id-only before the full context, %.0f ms after the first "
              "buffer; then %s %s %s %s" % (ident, first_full, window_ms, *mine[first_full][2:6]))
        check(all(id_only(b) for b in before), "%s: the buffers before it id-only" % ident)
        check(first_full <= WINDOW, "%s: the full context within %d buffers (%d)"
              % (ident, WINDOW, first_full))
        check(all(b[4] == after[0][4] for b in after),
              "%s: one full context (remote address %s)" % (ident, after[0][4]))
        check(all(full(b, instance) for b in after),
              "%s: every buffer after it has the full context (%d of %d)"
              % (ident, sum(full(b, instance) for b in after), len(after)))
    print("directory: %d lookups, %d found, %d extensions" % (lookups, found, exts))
    check(lookups == len(CALLERS) and found == len(CALLERS),
          "one GET per session: %d lookups, %d found for %d sessions"
          % (lookups, found, len(CALLERS)))


def case_unknown():
    redis_a, redis_b = Redis(), Redis()
    try:
        buffers, (lookups, found, exts), _instance = hop(redis_a, redis_b)
    finally:
        redis_a.stop()
        redis_b.stop()
    check_media(buffers)
    check_id_only(buffers, "keeps")
    print("directory: %d lookups, %d found, %d extensions" % (lookups, found, exts))
    check(lookups == 2 * len(CALLERS) and found == 0,
          "each id asked twice (the retry), none found: %d lookups, %d found"
          % (lookups, found))


def case_redis_down():
    redis = Redis()
    try:
        buffers, (lookups, found, exts), _instance = hop(redis, redis, stop_first=[redis])
    finally:
        redis.stop()
    check_media(buffers)
    check_id_only(buffers, "has")
    print("directory: %d lookups, %d found, %d extensions" % (lookups, found, exts))
    check(lookups == 0 and found == 0, "no GET sent, none found: %d, %d" % (lookups, found))


def case_redis_hung():
    redis = Redis()
    try:
        buffers, (lookups, found, exts), _instance = hop(redis, redis, hang_first=[redis])
    finally:
        redis.proc.send_signal(signal.SIGCONT)
        redis.stop()
    check_media(buffers)
    check_id_only(buffers, "has")
    for ident in TONE_OF:
        # Its last few buffers left out: the caller's 0.3 s tail and what
        # the payloader flushes at its end come late in any case.
        times = [b[0] for b in buffers if b[1] == ident][:-3]
        gaps = [(b - a, i) for i, (a, b) in enumerate(zip(times, times[1:]))]
        gap, where = max(gaps, default=(0, 0))
        gap *= 1000
        print("%s: longest gap between buffers %.0f ms, after buffer %d of %d"
              % (ident, gap, where, len(times)))
        check(gap < 200, "%s: no gap over 200 ms between its buffers (%.0f ms)"
              % (ident, gap))
    print("directory: %d lookups, %d found, %d extensions" % (lookups, found, exts))
    check(found == 0 and lookups <= 2 * len(CALLERS),
          "none found, at most a GET per id and its retry: %d, %d" % (lookups, found))


CASES = {"full": case_full, "unknown": case_unknown, "redis-down": case_redis_down,
         "redis-hung": case_redis_hung}

if __name__ == "__main__":
    run_cases(CASES)
