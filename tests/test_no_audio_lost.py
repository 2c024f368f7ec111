#!/usr/bin/env python3
"""No audio lost: every sample a client sends reaches the pipeline and, in
the echo, comes back, in its place. Real WebSocket clients (Python
`websockets`) send exactly 3 s of a chirp in 20 ms frames at real-time pace,
then `stop` right after their last frame; what the pipeline saw and what
came back is compared with the chirp, to the sample. One case per run
(tests/meson.build registers each as its own test):

    test_no_audio_lost.py pipeline|echo|sessionbin
"""
import os
import sys
import threading

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Gst, GstSessionCtx, Pipeline, wait_until  # noqa: E402
from chirp_client import (  # noqa: E402
    PIPELINE_RATE, SECONDS, TWILIO_RATE, Client, chirp, run_clients)

MAX_LAG = 40                 # samples searched either side of 0

from checks import check, failures, run_cases  # noqa: E402,F401


def lag_of(got, ref):
    """The lag (samples) at which @got matches @ref best, within MAX_LAG."""
    n = min(len(got), len(ref)) - 2 * MAX_LAG
    if n <= 0:
        return None
    got = got.astype(np.float64)
    scores = [float(np.dot(ref[MAX_LAG:MAX_LAG + n], got[MAX_LAG + k:MAX_LAG + k + n]))
              for k in range(-MAX_LAG, MAX_LAG + 1)]
    return int(np.argmax(scores)) - MAX_LAG


def clients_for(config, prefix):
    """The clients of one server configuration: (input, output) FastRTC
    rates, every media mode, and Twilio when @config asks for it."""
    rate_in, rate_out, twilio = config
    out = [Client("%s-%d-%d-%s" % (prefix, rate_in, rate_out, media), "fastrtc", rate_in,
                  rate_out, media) for media in ("json", "mulaw", "s16le")]
    if twilio:
        out += [Client("MZ%s-%s" % (prefix, media), "twilio", TWILIO_RATE, TWILIO_RATE, media)
                for media in ("json", "mulaw")]
    return out


# (websocket-input-rate, websocket-output-rate, Twilio clients too)
CONFIGS = [(48000, 24000, True), (16000, 16000, False), (44100, 44100, False),
           (8000, 48000, False)]


def check_echo(client):
    """@client got back exactly what it sent, at its output rate: the count
    to the sample, the first frame a full 20 ms or the whole chirp's start,
    the content in place (cross-correlation peak at lag 0 ± 1)."""
    got = client.pcm
    expected = SECONDS * client.rate_out
    check(len(got) == expected, "%r: %d of %d samples back" % (client, len(got), expected))
    check(client.close_code == 1000, "%r: closed normally (%s)" % (client, client.close_code))
    if not client.frames:
        return
    print("     %r: first frame %d samples, last %d" % (client, len(client.frames[0]),
                                                     len(client.frames[-1])))
    ref = chirp(client.rate_out, expected, client.top)
    lag = lag_of(got, ref)
    check(lag is not None and abs(lag) <= 1, "%r: echo in place (lag %s)" % (client, lag))
    # The first sample back is the chirp's first (sin 0 = 0, then rising):
    # nothing of the start was cut.
    head = got[:client.rate_out // 200].astype(np.float64)
    ref_head = ref[:len(head)]
    err = float(np.max(np.abs(head - ref_head))) if len(head) else 1e9
    check(err < 800, "%r: the first 5 ms back are the chirp's first 5 ms (max error %.0f)"
          % (client, err))


def echo_server(config, launch):
    rate_in, rate_out, _ = config
    if launch == "sessionbin":
        server = Pipeline.sessionbin(handler="identity", websocket_input_rate=rate_in,
                                     websocket_output_rate=rate_out)
    else:
        server = Pipeline.launch(
            "sessionsrc name=server port=0 address=127.0.0.1 websocket-input-rate=%d "
            "websocket-output-rate=%d ! %s" % (rate_in, rate_out, launch))
    return server.start()


def case_echo(launch="sessionsink"):
    for config in CONFIGS:
        server = echo_server(config, launch)
        clients = clients_for(config, "echo")
        run_clients(server.port, clients)
        server.stop()
        for client in clients:
            check_echo(client)


def case_sessionbin():
    case_echo("sessionbin")
    # A handler that resamples itself (audioresample drains on EOS).
    server = Pipeline.sessionbin(
        handler="audioconvert ! audioresample ! audio/x-raw,rate=16000 ! audioresample").start()
    clients = clients_for(CONFIGS[0], "resampling")
    run_clients(server.port, clients)
    server.stop()
    for client in clients:
        check_echo(client)


class Collector:
    """Every buffer a sink's pad sees (those of buffer lists, which
    sessionsrc pushes and a sink takes whole, included), by session id,
    until its session-end."""

    def __init__(self, pad):
        self.lock = threading.Lock()
        self.audio = {}
        self.ended = set()
        self.after_end = 0
        pad.add_probe(Gst.PadProbeType.BUFFER | Gst.PadProbeType.BUFFER_LIST |
                      Gst.PadProbeType.EVENT_DOWNSTREAM, self.probe)

    def has_ended(self, ids):
        with self.lock:
            return self.ended.issuperset(ids)

    def probe(self, pad, info):
        if info.type & Gst.PadProbeType.BUFFER_LIST:
            lst = info.get_buffer_list()
            for i in range(lst.length()):
                self.add(pad, lst.get(i))
        elif info.type & Gst.PadProbeType.BUFFER:
            self.add(pad, info.get_buffer())
        else:
            event = info.get_event()
            ok, ctx, _reason = GstSessionCtx.event_parse_session_end(event)
            if ok:
                with self.lock:
                    self.ended.add(ctx.get_id())
        return Gst.PadProbeReturn.OK

    def add(self, pad, buf):
        ctx = GstSessionCtx.SessionContext.get_current(pad, buf)
        ok, data = buf.map(Gst.MapFlags.READ)
        with self.lock:
            ident = ctx.get_id()
            if ident in self.ended:
                self.after_end += 1
            self.audio.setdefault(ident, bytearray()).extend(data.data)
        buf.unmap(data)


def case_pipeline():
    """sessionsrc ! fakesink: each session's audio on the pad is exactly
    3 s at the pipeline's rate, in place, all before its session-end."""
    for config in CONFIGS:
        rate_in, rate_out, _ = config
        server = Pipeline.launch(
            "sessionsrc name=server port=0 address=127.0.0.1 websocket-input-rate=%d "
            "! fakesink name=sink sync=false async=false" % rate_in)
        collector = Collector(server.pipeline.get_by_name("sink").get_static_pad("sink"))
        server.start()
        clients = clients_for(config, "pipe")
        run_clients(server.port, clients)
        # The clients are closed once their session ended; its audio and
        # session-end may still be on the way through the pad's queue.
        wait_until(lambda: collector.has_ended(c.id for c in clients), 10)
        server.stop()
        expected = SECONDS * PIPELINE_RATE
        for client in clients:
            pcm = np.frombuffer(bytes(collector.audio.get(client.id, b"")), dtype=np.int16)
            check(len(pcm) == expected, "%r: %d of %d samples at %d Hz in the pipeline"
                  % (client, len(pcm), expected, PIPELINE_RATE))
            check(client.id in collector.ended, "%r: session-end reached the pad" % client)
            ref = chirp(PIPELINE_RATE, expected, client.top)
            lag = lag_of(pcm, ref)
            check(lag is not None and abs(lag) <= 1, "%r: in place in the pipeline (lag %s)"
                  % (client, lag))
        check(collector.after_end == 0, "no audio after its session-end (%d buffers)"
              % collector.after_end)


CASES = {
    "pipeline": case_pipeline,
    "echo": case_echo,
    "sessionbin": case_sessionbin,
}


def main():
    run_cases(CASES)


if __name__ == "__main__":
    main()
