#!/usr/bin/env python3
"""Context over an RTP hop, in two processes: process A is gst-launch-1.0
running `sessionbin` whose handler sends each session's audio as L16 RTP
with rtphdrextsessionctx to a UDP port; process B (this one) receives it
through `netsim` (loss, delay, reordering, duplicates) and checks every
buffer that comes out of the depayloader. Two real WebSocket clients, a
FastRTC one and a Twilio one, stream different tones: every buffer must
carry the session of the caller whose tone it holds, never the other's,
never none. One case per run, named on the command line:

    test_rtp_hop.py rtpbin|interleaved

  rtpbin       A sends through an rtpbin per handler; B: udpsrc ! netsim !
               rtpbin, a pad per SSRC (per session): rtpL16depay !
               sessionsticky ! appsink; the sticky session-context event
               on the appsink's pad names the same session as each
               buffer's meta.
  interleaved  A: rtpL16pay ! udpsink; B: udpsrc ! netsim ! rtpL16depay !
               appsink: both sessions' packets through one depayloader,
               no jitterbuffer, so reordered packets reach it: each buffer
               labelled from its own packet alone.
"""
import os
import socket
import subprocess
import sys
import threading
import time

import gi
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Gst, GstSessionCtx, run_clients  # noqa: E402
from checks import check, run_cases  # noqa: E402
from servers import (free_port, stop_server, wait_listening,  # noqa: E402
                     why_not_listening)

gi.require_version("GstRtp", "1.0")
from gi.repository import GstRtp  # noqa: E402

URI = "urn:gst-sessionctx:rtp-hdrext:session-id"
RATE = 16000
PACKET = RATE // 50                      # 20 ms a packet
RTP_CAPS = ("application/x-rtp,media=audio,clock-rate=%d,encoding-name=L16,channels=1,"
            "payload=96,extmap-1=(string)%s" % (RATE, URI))
# netsim: 5 % lost, 20 % held 10-70 ms (reordered behind later packets),
# 2 % duplicated.
NETSIM = ("netsim drop-probability=0.05 delay-probability=0.2 min-delay=10 max-delay=70 "
          "delay-distribution=uniform allow-reordering=true duplicate-probability=0.02")
SECONDS = 3.0
# A FastRTC id (16 bytes: the one-byte form) and a Twilio streamSid (34
# bytes: the two-byte form), each with its tone.
CALLERS = [("rtp-hop-fastrtc1", "fastrtc", 500.0),
           ("MZ" + "0123456789abcdef" * 2, "twilio", 1300.0)]
TONE_OF = {ident: freq for ident, _d, freq in CALLERS}


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sender(port, rtp_port, rtpbin):
    """Process A: every session's audio to 127.0.0.1:@rtp_port as L16 RTP,
    20 ms a packet, with the session id in each packet; through an rtpbin
    of its own when @rtpbin."""
    send = ("rtpbin.send_rtp_sink_0 rtpbin name=rtpbin rtpbin.send_rtp_src_0 ! "
            if rtpbin else "")
    handler = ("audioconvert ! audioresample ! audio/x-raw,rate=%d,channels=1 ! "
               "sessionsticky ! rtpL16pay min-ptime=20000000 max-ptime=20000000 ! "
               "application/x-rtp,extmap-1=(string)%s ! %s"
               "udpsink host=127.0.0.1 port=%d sync=false" % (RATE, URI, send, rtp_port))
    return subprocess.Popen(
        ["gst-launch-1.0", "-e", "sessionbin", "port=%d" % port, "address=127.0.0.1",
         "handler=%s" % handler],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


class Receiver:
    """Process B's pipeline: what each buffer out of a depayloader holds."""

    def __init__(self, rtp_port, rtpbin):
        self.lock = threading.Lock()
        self.buffers = []        # (branch, meta id, pad's id, dominant Hz, rms)
        self.packets = {}        # ssrc: [(seq, has the id), ...] past netsim
        self.extensions = []
        head = "udpsrc address=127.0.0.1 port=%d caps=\"%s\" ! %s name=net" % (
            rtp_port, RTP_CAPS, NETSIM)
        if rtpbin:
            self.pipeline = Gst.parse_launch(head + " ! rtpbin.recv_rtp_sink_0 "
                                             "rtpbin name=rtpbin latency=200")
            self.pipeline.get_by_name("rtpbin").connect("pad-added", self._on_rtpbin_pad)
        else:
            self.pipeline = Gst.parse_launch(
                head + " ! rtpL16depay name=depay ! appsink name=sink0 sync=false "
                "emit-signals=true")
            self._watch_depayloader(self.pipeline.get_by_name("depay"))
            self._watch_sink(self.pipeline.get_by_name("sink0"), "interleaved")
        self.pipeline.get_by_name("net").get_static_pad("src").add_probe(
            Gst.PadProbeType.BUFFER, self._on_packet)

    def _watch_depayloader(self, depay):
        depay.connect("request-extension", self._on_request_extension)

    def _on_request_extension(self, depay, ext_id, uri):
        """What auto-header-extension does, keeping the extension to read
        its counters."""
        if uri != URI:
            return None
        ext = Gst.ElementFactory.make("rtphdrextsessionctx")
        ext.set_id(ext_id)
        with self.lock:
            self.extensions.append(ext)
        return ext

    def _watch_sink(self, sink, branch):
        sink.connect("new-sample", self._on_sample, branch)

    def _on_rtpbin_pad(self, rtpbin, pad):
        if not pad.get_name().startswith("recv_rtp_src_"):
            return
        depay = Gst.ElementFactory.make("rtpL16depay")
        self._watch_depayloader(depay)
        sticky = Gst.ElementFactory.make("sessionsticky")
        sink = Gst.ElementFactory.make("appsink")
        sink.set_property("sync", False)
        sink.set_property("emit-signals", True)
        self._watch_sink(sink, pad.get_name())
        for e in (depay, sticky, sink):
            self.pipeline.add(e)
        depay.link(sticky)
        sticky.link(sink)
        for e in (depay, sticky, sink):
            e.sync_state_with_parent()
        pad.link(depay.get_static_pad("sink"))

    def _on_packet(self, pad, info):
        buf = info.get_buffer()
        ok, rtp = GstRtp.RTPBuffer.map(buf, Gst.MapFlags.READ)
        if ok:
            ssrc, seq = rtp.get_ssrc(), rtp.get_seq()
            labelled = (rtp.get_extension_onebyte_header(1, 0)[0]
                        or rtp.get_extension_twobytes_header(1, 0)[0])
            rtp.unmap()
            with self.lock:
                self.packets.setdefault(ssrc, []).append((seq, labelled))
        return Gst.PadProbeReturn.OK

    def _on_sample(self, sink, branch):
        sample = sink.emit("pull-sample")
        buf = sample.get_buffer()
        ctx = GstSessionCtx.SessionContext.get_current(None, buf)
        on_pad = GstSessionCtx.SessionContext.get_current(sink.get_static_pad("sink"), None)
        pcm = np.frombuffer(buf.extract_dup(0, buf.get_size()), dtype=">i2").astype(np.float64)
        rms = float(np.sqrt(np.mean(pcm ** 2))) if len(pcm) else 0.0
        freq = 0.0
        if len(pcm) >= 64:
            power = np.abs(np.fft.rfft(pcm * np.hanning(len(pcm)))) ** 2
            power[0] = 0
            freq = float(np.fft.rfftfreq(len(pcm), 1.0 / RATE)[int(np.argmax(power))])
        with self.lock:
            self.buffers.append((branch, ctx.get_id() if ctx else None,
                                 on_pad.get_id() if on_pad else None, freq, rms, len(pcm)))
        return Gst.FlowReturn.OK

    def start(self):
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            raise RuntimeError("the receiver does not start")

    def stop(self):
        self.pipeline.set_state(Gst.State.NULL)

    def errors(self):
        out = []
        bus = self.pipeline.get_bus()
        while True:
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if msg is None:
                return out
            out.append(msg.parse_error()[0].message)


def network_effects(packets):
    """Lost, reordered and duplicated packets netsim made, from the
    sequence numbers reaching B (per SSRC)."""
    lost = reordered = duplicated = 0
    for stream in packets.values():
        # Relative to the first, unwrapped (sequence numbers start anywhere).
        first = stream[0][0] if stream else 0
        seqs = [(seq - first + 32768) % 65536 - 32768 for seq, _labelled in stream]
        seen = set()
        highest = None
        for s in seqs:
            if s in seen:
                duplicated += 1
                continue
            seen.add(s)
            if highest is not None and s < highest:
                reordered += 1
            highest = s if highest is None else max(highest, s)
        if seqs:
            lost += (max(seen) - min(seen) + 1) - len(seen)
    return lost, reordered, duplicated


def run(rtpbin):
    port, rtp_port = free_port(), free_udp_port()
    receiver = Receiver(rtp_port, rtpbin)
    receiver.start()
    sender = start_sender(port, rtp_port, rtpbin)
    try:
        listening = wait_listening(port, 20, sender)
        if not listening:
            print(why_not_listening(sender, port), flush=True)
        check(listening, "process A (sessionbin) listens")
        results = run_clients(port, [dict(id=ident, dialect=dialect, freq=freq,
                                          amplitude=12000, seconds=SECONDS, tail=0.3)
                                     for ident, dialect, freq in CALLERS])
        time.sleep(1.0)      # the jitterbuffer's latency and netsim's delays
    finally:
        log = stop_server(sender)
        receiver.stop()
    for res in results:
        print(res.id, "sent", res.sent, "samples, closed", res.close_code)
    errors = receiver.errors()
    check(not errors, "no error in process B: %s" % errors)
    check(sender.returncode == 0, "process A exits cleanly (%s)" % sender.returncode)
    if sender.returncode != 0:
        print(log[-3000:])

    with receiver.lock:
        buffers = list(receiver.buffers)
        packets = dict(receiver.packets)
        extensions = list(receiver.extensions)
    lost, reordered, duplicated = network_effects(packets)
    print("past netsim: %d SSRCs, %d packets; %d lost, %d reordered, %d duplicated"
          % (len(packets), sum(len(s) for s in packets.values()), lost, reordered, duplicated))
    check(len(packets) == 2, "one RTP stream (SSRC) per session: %d" % len(packets))
    check(lost > 0 and reordered > 0, "netsim lost (%d) and reordered (%d) packets"
          % (lost, reordered))
    check(len(extensions) >= 1, "the depayloaders asked for the extension by its URI (%d)"
          % len(extensions))

    # Packets without the id: with sessionsticky before the payloader every
    # packet has it, but for what rtpL16pay still holds at EOS, which it
    # sends outside any input buffer (without metas): at most a stream's
    # last packet, shorter than the others.
    bare = {ssrc: [i for i, (_s, labelled) in enumerate(stream) if not labelled]
            for ssrc, stream in packets.items()}
    print("packets without the id, by position from the end of their stream: %s"
          % {ssrc: [len(packets[ssrc]) - i for i in idx] for ssrc, idx in bare.items()})
    check(all(len(idx) <= 1 and all(len(packets[ssrc]) - i <= 2 for i in idx)
              for ssrc, idx in bare.items()),
          "at most a stream's last packet goes without the id")
    unlabelled = [b for b in buffers if b[1] is None]
    check(buffers and len(unlabelled) <= len(CALLERS)
          and all(b[5] < PACKET for b in unlabelled),
          "every buffer in B has a session but for a stream's last, short one: "
          "%d of %d without %s" % (len(unlabelled), len(buffers), unlabelled[:3]))
    strangers = [b for b in buffers if b[1] is not None and b[1] not in TONE_OF]
    check(not strangers, "no buffer names a session that is not a caller's: %s"
          % strangers[:3])
    # Each buffer's tone is its caller's: the dominant frequency within
    # 75 Hz (the bins of a 20 ms buffer are 50 Hz apart) of the tone of the
    # session its meta names.
    toned = [b for b in buffers if b[4] > 1000 and b[1] in TONE_OF]
    wrong = [b for b in toned if abs(b[3] - TONE_OF[b[1]]) > 75]
    quiet = len(buffers) - len(toned)
    print("%d buffers, %d with a tone, %d quiet" % (len(buffers), len(toned), quiet))
    check(not wrong, "every buffer holds the tone of the session it names: %d wrong %s"
          % (len(wrong), wrong[:3]))
    check(quiet <= 4, "at most 4 buffers too quiet to tell (session starts): %d" % quiet)
    expected = SECONDS * 50
    # With rtpbin its jitterbuffer puts what netsim held back in order again:
    # 5 % lost. Without, the depayloader drops a packet that comes after a
    # later one as too old, and netsim holds 20 % back 10-70 ms: 13 to 23 %
    # lost in one stream (116 of 150 once in CI), hence less asked.
    least = 0.8 if rtpbin else 0.6
    for ident, _d, freq in CALLERS:
        mine = [b for b in buffers if b[1] == ident]
        check(len(mine) >= least * expected, "%s: %d buffers of ~%d sent (at least %d %%)"
              % (ident, len(mine), expected, least * 100))
    if rtpbin:
        # sessionsticky: the pad names each buffer's session too, so
        # gst_session_context_get_current (pad, buffer) answers with the
        # caller for every buffer, the tail's included.
        current = [b[1] or b[2] for b in buffers]
        wrong_pad = [b for b, c in zip(buffers, current)
                     if c not in TONE_OF or (b[4] > 1000 and abs(b[3] - TONE_OF[c]) > 75)
                     or (b[1] is not None and b[2] != b[1])]
        check(not wrong_pad, "get_current (pad, buffer) names the caller of every buffer "
              "(sessionsticky): %d wrong %s" % (len(wrong_pad), wrong_pad[:3]))
        branches = {}
        for b in buffers:
            branches.setdefault(b[0], set()).add(b[1] or b[2])
        check(len(branches) == 2 and all(len(ids) == 1 for ids in branches.values()),
              "one session per rtpbin pad: %s" % branches)
    read = sum(e.get_property("packets-read") for e in extensions)
    malformed = sum(e.get_property("packets-malformed") for e in extensions)
    print("extensions: %d buffers labelled, %d malformed" % (read, malformed))
    check(read == len(buffers) - len(unlabelled) and malformed == 0,
          "the extensions labelled every buffer made from a packet with the id "
          "(%d of %d), none malformed (%d)" % (read, len(buffers) - len(unlabelled), malformed))


def case_rtpbin():
    run(rtpbin=True)


def case_interleaved():
    run(rtpbin=False)


CASES = {"rtpbin": case_rtpbin, "interleaved": case_interleaved}

if __name__ == "__main__":
    run_cases(CASES)
