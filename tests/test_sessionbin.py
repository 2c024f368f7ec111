#!/usr/bin/env python3
"""sessionbin in-process (PyGObject) against real WebSocket clients: one
case per run, named on the command line (tests/meson.build registers each as
its own test, suite 'sessionbin').

    test_sessionbin.py isolation|templating|errors-parse|errors-file|
                       errors-not-negotiated|errors-element|
                       errors-after-queue|create-handler|
                       messages|churn|dialects|drain|preroll
"""
import asyncio
import math
import os
import shutil
import struct
import sys
import tempfile
import time
import wave

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import (  # noqa: E402
    Gst, GstSessionCtx, Pipeline, band_ratio, dominant, elements, factory_names, open_fds, rms,
    run_clients, sanitize, steady, stream, thread_names, threads, wait_until)

from checks import check, failures, run_cases  # noqa: E402,F401


def hears_own_tone(res, freq, min_fraction=0.99):
    """@res heard @freq (dominant) and got back @min_fraction of the
    samples it sent (at the rate it receives)."""
    expected = res.sent * res.rate_out / res.rate_in
    heard = dominant(steady(res.pcm, res.rate_out), res.rate_out)
    check(abs(heard - freq) < freq * 0.02,
          "%s hears its own tone: sent %g Hz, dominant %.1f Hz" % (res.id, freq, heard))
    check(len(res.pcm) >= min_fraction * expected,
          "%s got %d of %d samples back (>= %d %%)" % (res.id, len(res.pcm), expected,
                                                     min_fraction * 100))


# ---------------------------------------------------------------------------
# 1. A stateful handler per session: no caller hears another

STATEFUL = "audioconvert ! audioresample ! audio/x-raw,rate=16000 ! audioresample"
CALLERS = [("silent", None), ("loud-1000", 1000.0), ("loud-1700", 1700.0)]


def three_callers(port):
    return run_clients(port, [dict(id=ident, dialect="twilio", freq=freq, amplitude=20000,
                                   seconds=2.0) for ident, freq in CALLERS])


def case_isolation():
    server = Pipeline.sessionbin(handler=STATEFUL).start()
    results = three_callers(server.port)
    server.stop()
    silent, loud = results[0], results[1:]
    for res in results:
        print(res.id, "sent", res.sent, "got", len(res.pcm), "rms %.1f" % rms(res.pcm))
    check(set(silent.sent_payload) == {0xFF}, "the silent caller sends µ-law 0xFF only")
    check(len(silent.pcm) >= 0.99 * silent.sent,
          "the silent caller got %d of %d samples back" % (len(silent.pcm), silent.sent))
    nonzero = int((silent.pcm != 0).sum())
    check(nonzero == 0, "the silent caller hears exact silence (%d non-zero samples, peak %d)"
          % (nonzero, int(abs(silent.pcm.astype(int)).max()) if len(silent.pcm) else 0))
    for res, (_ident, freq), (_other_id, other) in zip(loud, CALLERS[1:], CALLERS[:0:-1]):
        hears_own_tone(res, freq)
        leak = band_ratio(steady(res.pcm, 8000), 8000, other, freq)
        check(leak < 1e-4, "%s: the other caller's %g Hz at %.1e of its own tone's power"
              % (res.id, other, leak))

    # The control: the same chain on the interleaved pad processes every
    # caller as one stream, which is why sessionbin exists.
    control = Pipeline.launch("sessionsrc name=server port=0 address=127.0.0.1 ! %s ! "
                              "sessionsink" % STATEFUL).start()
    results = three_callers(control.port)
    control.stop()
    silent = results[0]
    print("control (interleaved pad): the silent caller got %d samples, rms %.1f, peak %d"
          % (len(silent.pcm), rms(silent.pcm),
             int(abs(silent.pcm.astype(int)).max()) if len(silent.pcm) else 0))
    for res, (_ident, freq) in zip(results[1:], CALLERS[1:]):
        print("control: %s got %d of %d samples, dominant %.1f Hz" % (
            res.id, len(res.pcm), res.sent, dominant(steady(res.pcm, 8000), 8000)))
    check(int((silent.pcm != 0).sum()) > 0,
          "control: on the interleaved pad the silent caller hears the others")


# ---------------------------------------------------------------------------
# 2. Templating with hostile ids; complete WAV files

HOSTILE = [("../x", "fastrtc", 440.0), ("a ! fakesink", "fastrtc", 550.0),
           ("q\"uo'te", "twilio", 660.0), ("x.y/" * 32, "fastrtc", 770.0),
           ("naïve-日本", "fastrtc", 880.0)]


def riff_chunks(data):
    """[(id, offset of payload, size)] of a RIFF/WAVE file."""
    out = []
    pos = 12
    while pos + 8 <= len(data):
        cid, size = struct.unpack("<4sI", data[pos:pos + 8])
        out.append((cid, pos + 8, size))
        pos += 8 + size + (size & 1)
    return out


def case_templating():
    outer = tempfile.mkdtemp(prefix="sessionbin-templating-")
    recdir = os.path.join(outer, "rec")
    os.mkdir(recdir)
    cwd_before = set(os.listdir("."))
    try:
        template = "wavenc ! filesink location=%s/rec-{session_id}-{transport}-{dialect}.wav" \
            % recdir
        server = Pipeline.sessionbin(handler=template).start()
        live = {}

        async def inspect():
            await asyncio.sleep(0.6)  # every session is streaming
            live["factories"] = factory_names(server.server)
            live["locations"] = sorted(os.path.basename(e.get_property("location"))
                                       for e in elements(server.server)
                                       if e.get_factory()
                                       and e.get_factory().get_name() == "filesink")

        results = run_clients(server.port, [dict(id=i, dialect=d, freq=f, amplitude=8000,
                                                 seconds=1.0, tail=0.05)
                                            for i, d, f in HOSTILE], also=[inspect()])
        ids = [i for i, _d, _f in HOSTILE]
        done = server.wait(lambda p: {i for i, _r in p.handler_done()} >= set(ids), 15)
        check(done, "session-handler-done for every session: %s" % server.handler_done())
        check(all(r == "finished" for _i, r in server.handler_done()),
              "every handler finished: %s" % server.handler_done())
        check(len(bytes(HOSTILE[3][0], "utf-8")) == 128, "the long id is 128 bytes")
        errors = server.errors()
        server.stop()
        check(not errors, "no error on the bus: %s" % errors)

        expected = {"rec-%s-websocket-%s.wav" % (sanitize(i), d): (i, d, f) for i, d, f in HOSTILE}
        print("expected files:", sorted(expected))
        check(sanitize("naïve-日本") == "na_ve-__" and sanitize("../x") == "___x",
              "the rule: one '_' per character")
        check("fakesink" not in live.get("factories", ["fakesink"]),
              "no fakesink inside the sessionbin while the sessions ran: %s"
              % sorted(set(live.get("factories", []))))
        check(live.get("locations") == sorted(expected),
              "the filesinks' locations while running: %s" % live.get("locations"))
        found = []
        for root, dirs, files in os.walk(outer):
            found += [os.path.relpath(os.path.join(root, f), outer) for f in files]
            found += [os.path.relpath(os.path.join(root, d), outer) + "/" for d in dirs]
        check(sorted(found) == sorted(["rec/"] + ["rec/" + n for n in expected]),
              "exactly the sanitized files, nothing else: %s" % sorted(found))
        check(not {n for n in set(os.listdir(".")) - cwd_before if "rec" in n or "x" in n},
              "nothing new in the working directory")

        for res in results:
            name = "rec-%s-websocket-%s.wav" % (sanitize(res.id), expected_dialect(res.id))
            path = os.path.join(recdir, name)
            if not os.path.exists(path):
                check(False, "%s exists" % name)
                continue
            data = open(path, "rb").read()
            riff_size = struct.unpack("<I", data[4:8])[0]
            chunks = riff_chunks(data)
            data_chunks = [c for c in chunks if c[0] == b"data"]
            check(data[:4] == b"RIFF" and riff_size == len(data) - 8,
                  "%s: RIFF size %d = file size %d - 8" % (name, riff_size, len(data)))
            check(len(data_chunks) == 1 and data_chunks[0][1] + data_chunks[0][2] == len(data),
                  "%s: the data chunk ends at the end of the file" % name)
            with wave.open(path, "rb") as w:
                rate, frames = w.getframerate(), w.getnframes()
                ok_format = w.getnchannels() == 1 and w.getsampwidth() == 2
                pcm = w.readframes(frames)
            check(ok_format and frames * 2 == data_chunks[0][2] == len(pcm),
                  "%s: mono S16, nframes %d matches the data size" % (name, frames))
            sent_s, got_s = res.sent / res.rate_in, frames / rate
            check(abs(sent_s - got_s) <= 0.020,
                  "%s: %.4f s recorded of %.4f s sent" % (name, got_s, sent_s))
            heard = dominant(np.frombuffer(pcm, dtype=np.int16), rate)
            freq = expected[name][2]
            check(abs(heard - freq) < freq * 0.02,
                  "%s holds its own caller (%g Hz, dominant %.1f)" % (name, freq, heard))
    finally:
        shutil.rmtree(outer, ignore_errors=True)


def expected_dialect(ident):
    return {i: d for i, d, _f in HOSTILE}[ident]


# ---------------------------------------------------------------------------
# 3. Errors stay in their session

def case_errors_parse():
    description = "audioconvert ! nosuchelement"
    server = Pipeline.sessionbin(handler=description)
    ret = server.pipeline.set_state(Gst.State.READY)
    check(ret == Gst.StateChangeReturn.FAILURE, "READY fails: %s" % ret)
    server.wait(lambda p: p.errors(), 5)
    errors = server.errors()
    server.stop()
    print("errors:", errors)
    check(any(description in e for e in errors),
          "the bus ERROR names the handler description: %s" % errors)


def echo_bin():
    return Gst.parse_bin_from_description("identity", True)


def handler_failure(bad_id, bad_description):
    """@bad_id's session gets @bad_description, every other an echo:
    @bad_id ends alone with handler_failed, the other hears its echo."""
    made = []

    def create_handler(_sb, context):
        made.append(context.get_id())
        if context.get_id() == bad_id:
            return Gst.parse_bin_from_description(bad_description, True)
        return echo_bin()

    server = Pipeline.sessionbin(create_handler=create_handler).start()
    bad, good = run_clients(server.port, [
        dict(id=bad_id, freq=500.0, amplitude=8000, seconds=2.0),
        dict(id="good", freq=900.0, amplitude=8000, seconds=2.0)])
    print(bad)
    print("good: sent %d, got %d, replies %s" % (good.sent, len(good.pcm), good.replies))
    server.wait(lambda p: {i for i, _r in p.handler_done()} >= {bad_id, "good"}, 10)
    time.sleep(0.2)
    ok, state, _pending = server.pipeline.get_state(0)
    ended = server.ended()
    warns = server.warnings()
    errors = server.errors()
    done = dict(server.handler_done())
    server.stop()

    check(sorted(made) == sorted([bad_id, "good"]), "create-handler ran per session: %s" % made)
    check(ended.get(bad_id) == GstSessionCtx.SessionEndReason.ERROR,
          "%s ended with reason error: %s" % (bad_id, ended.get(bad_id)))
    details = [d for _t, d in warns if d is not None and d.get_string("session-id") == bad_id]
    check(any(d.get_string("error") == "handler_failed" for d in details),
          "a WARNING with details session-id=%s error=handler_failed: %s"
          % (bad_id, [(t, d.to_string() if d else None) for t, d in warns]))
    check(done.get(bad_id) == "failed", "session-handler-done %s: %s" % (bad_id, done.get(bad_id)))
    check(any(r.get("status") == "failed" and r.get("meta", {}).get("error") == "handler_failed"
              for r in bad.replies),
          "the %s client got {\"status\":\"failed\",\"meta\":{\"error\":\"handler_failed\"}} "
          "before the close: replies %s" % (bad_id, bad.replies))
    check(bad.closed_early, "the %s session was closed while its client streamed" % bad_id)
    check(ended.get("good") == GstSessionCtx.SessionEndReason.STOP,
          "the other session ended normally: %s" % ended.get("good"))
    check(done.get("good") == "finished", "its handler finished: %s" % done.get("good"))
    hears_own_tone(good, 900.0)
    check(not good.failed_replies(), "no failed reply to the other client")
    check(state == Gst.State.PLAYING, "the pipeline is still PLAYING: %s" % state)
    check(not errors, "no ERROR on the bus: %s" % errors)


def case_errors_file():
    handler_failure("bad-file", "wavenc ! filesink location=/nonexistent/dir/x.wav")


def case_errors_not_negotiated():
    handler_failure("bad-caps", "capsfilter caps=audio/x-raw,format=F32LE ! fakesink")


def case_errors_element():
    handler_failure("bad-element", "identity error-after=10 ! fakesink")


def case_errors_after_queue():
    """An element error behind a queue: the session's streaming stops on
    the flow error and the handler goes, while the queue's own "Internal
    data stream error" may come after it was taken for removal; that one
    must not reach the application either."""
    handler_failure("bad-queued", "queue ! identity error-after=10 ! fakesink")


# ---------------------------------------------------------------------------
# 4. create-handler from Python

def case_create_handler():
    made = []

    def create_handler(_sb, context):
        made.append(context.get_id())
        if context.get_id().startswith("half-"):
            return Gst.parse_bin_from_description(
                "audioconvert ! volume volume=0.5 ! audioconvert", True)
        return echo_bin()

    server = Pipeline.sessionbin(create_handler=create_handler).start()
    half, full = run_clients(server.port, [
        dict(id="half-one", dialect="twilio", freq=800.0, amplitude=16000),
        dict(id="full-two", dialect="twilio", freq=800.0, amplitude=16000)])
    errors = server.errors()
    server.stop()
    check(sorted(made) == ["full-two", "half-one"], "create-handler per session: %s" % made)
    hears_own_tone(half, 800.0)
    hears_own_tone(full, 800.0)
    a, b = rms(steady(half.pcm, 8000)), rms(steady(full.pcm, 8000))
    ratio = a / b if b else 0.0
    check(0.45 < ratio < 0.55, "the half- client's echo is half as loud: rms %.0f / %.0f = %.3f"
          % (a, b, ratio))
    check(not errors, "no error: %s" % errors)


# ---------------------------------------------------------------------------
# 5. Element messages from inside a handler name their session

def case_messages():
    server = Pipeline.sessionbin(
        handler="level interval=100000000 post-messages=true ! fakesink").start()
    levels = {"loud": 20000, "quiet": 1000}
    run_clients(server.port, [dict(id=i, dialect="twilio", freq=700.0, amplitude=a,
                                   seconds=2.0, tail=0.1) for i, a in levels.items()])
    server.wait(lambda p: len(p.handler_done()) >= 2, 10)
    msgs = server.element_messages("level")
    errors = server.errors()
    by_id = {}
    bad = []
    for m in msgs:
        s = m.get_structure()
        sid = s.get_string("session-id")
        ctx = GstSessionCtx.message_get_session_context(m)
        if ctx is None or ctx.get_id() != sid or sid not in levels:
            bad.append((sid, ctx.get_id() if ctx else None))
            continue
        factory = m.src.get_factory() if m.src else None
        if factory is None or factory.get_name() != "level":
            bad.append((sid, "from %s" % (m.src.get_name() if m.src else None)))
        value = s.get_value("rms")[0]
        if not math.isnan(value):
            by_id.setdefault(sid, []).append(value)
    server.stop()
    check(not bad, "every level message names a session of ours by session-id and context: "
          "%d messages, wrong %s" % (len(msgs), bad[:5]))
    for ident, amplitude in levels.items():
        values = by_id.get(ident, [])
        expected = 20 * math.log10(amplitude / math.sqrt(2) / 32768)
        middle = sorted(values)[len(values) // 2] if values else float("nan")
        check(len(values) >= 10, "%s: %d level readings" % (ident, len(values)))
        check(abs(middle - expected) < 1.5,
              "%s: median rms %.2f dB, its tone is %.2f dB" % (ident, middle, expected))
    check(not errors, "no error: %s" % errors)


# ---------------------------------------------------------------------------
# 6. Churn: sessions come and go, resources stay

def case_churn():
    warmup, count = 20, 500
    server = Pipeline.sessionbin(handler="audioconvert ! audioresample ! audioconvert").start()
    measured = {}

    def resources():
        return {"elements": len(elements(server.server)), "fds": open_fds(),
                "threads": threads(), "names": thread_names()}

    def settled(n):
        return server.wait(lambda p: len(p.handler_done()) >= n, 20)

    # Idle pool threads (GstTaskPool's, gst_element_call_async's) linger
    # for a while before GLib ends them: wait for them to go, assert with
    # slack.
    def back(before):
        now = resources()
        return (now["elements"] == before["elements"] and now["fds"] == before["fds"]
                and now["threads"] <= before["threads"])

    # Both measures inside the same event loop (its selector and executor
    # threads are part of the count).
    async def churn():
        for i in range(warmup):
            await stream(server.port, "warm-%d" % i, frames=3, realtime=False, tail=0)
        settled(warmup)
        await asyncio.sleep(0.3)
        measured["before"] = resources()
        t0 = time.time()
        for i in range(count):
            await stream(server.port, "churn-%d" % i, frames=3, realtime=False, tail=0)
        measured["seconds"] = time.time() - t0
        measured["all_done"] = settled(warmup + count)
        t1 = time.time()
        wait_until(lambda: back(measured["before"]), 5)
        measured["settle"] = time.time() - t1
        measured["after"] = resources()

    asyncio.run(churn())
    all_done, before, after = measured["all_done"], measured["before"], measured["after"]
    done = server.handler_done()
    errors = server.errors()
    ended = server.ended()
    server.stop()
    print("%d sessions in %.1f s; before %s, after %s (%.1f s later)" % (
        count, measured["seconds"], before, after, measured["settle"]))
    check(all_done and len(done) == warmup + count,
          "session-handler-done posted %d times (%d sessions)" % (len(done), warmup + count))
    check(all(r == "finished" for _i, r in done),
          "every result finished: %s" % sorted({r for _i, r in done}))
    check(sum(1 for i, _r in done if i.startswith("churn-")) == count,
          "%d of them for the churned sessions" % count)
    check(all(r == GstSessionCtx.SessionEndReason.STOP for r in ended.values()),
          "every session ended by stop")
    check(after["elements"] == before["elements"],
          "elements inside sessionbin: %d -> %d" % (before["elements"], after["elements"]))
    check(abs(after["fds"] - before["fds"]) <= 2, "fds: %d -> %d" % (before["fds"], after["fds"]))
    check(after["threads"] <= before["threads"] + 4,
          "threads: %d -> %d" % (before["threads"], after["threads"]))
    check(not errors, "no error: %s" % errors)


# ---------------------------------------------------------------------------
# 7. Both dialects and binary media through the echo

def case_dialects():
    server = Pipeline.sessionbin().start()
    specs = [dict(id="json", freq=440.0, amplitude=8000),
             dict(id="binary", freq=700.0, amplitude=8000, binary="s16le"),
             dict(id="phone", dialect="twilio", freq=1100.0, amplitude=8000)]
    results = run_clients(server.port, specs)
    errors = server.errors()
    server.stop()
    for res, spec in zip(results, specs):
        print(res.id, "sent", res.sent, "got", len(res.pcm), "replies", res.replies)
        hears_own_tone(res, spec["freq"], min_fraction=0.98)
    binary = results[1]
    check(any(r.get("event") == "binary_media" and r.get("encoding") == "s16le"
              for r in binary.replies), "the binary client got its binary_media answer")
    check(binary.binary_frames > 0 and binary.json_media_after_binary == 0,
          "the binary client got %d binary frames, %d JSON media" % (
              binary.binary_frames, binary.json_media_after_binary))
    check(results[0].binary_frames == 0 and results[2].binary_frames == 0,
          "JSON and Twilio clients got JSON media")
    check(not errors, "no error: %s" % errors)


def case_drain():
    """A client that stops right after its last frame still gets the echo
    the handler held back (300 ms in a queue): the close waits for the
    session's output (the drain), at most 2 s."""
    server = Pipeline.sessionbin(
        handler="queue min-threshold-time=300000000 max-size-time=0 "
                "max-size-buffers=0 max-size-bytes=0").start()
    specs = [dict(id="MZdrain", dialect="twilio", freq=700.0, amplitude=8000,
                  seconds=1.0, tail=0)]
    res = run_clients(server.port, specs)[0]
    server.stop()
    print(res.id, "sent", res.sent, "got", len(res.pcm), "close", res.close_code)
    # Without the drain the last 300 ms never come back (about 5600 of 8000).
    check(len(res.pcm) >= 0.98 * res.sent, "the held-back echo came back: %d of %d samples"
          % (len(res.pcm), res.sent))
    check(res.close_code == 1000, "closed normally after the drain: %s" % res.close_code)


# ---------------------------------------------------------------------------
# 8. A handler's preroll is its own

def live_app_bin():
    """An application's shape: appsink (it prerolls: async by default) ->
    Python -> appsrc (live), in a bin; each buffer goes back as it came."""
    bin_ = Gst.Bin.new(None)
    sink = Gst.ElementFactory.make("appsink")
    src = Gst.ElementFactory.make("appsrc")
    sink.set_property("emit-signals", True)
    src.set_property("format", Gst.Format.TIME)
    src.set_property("is-live", True)
    bin_.add(sink)
    bin_.add(src)
    bin_.add_pad(Gst.GhostPad.new("sink", sink.get_static_pad("sink")))
    bin_.add_pad(Gst.GhostPad.new("src", src.get_static_pad("src")))

    def on_sample(appsink):
        sample = appsink.emit("pull-sample")
        if src.get_property("caps") is None:
            src.set_property("caps", sample.get_caps())
        src.emit("push-buffer", sample.get_buffer())
        return Gst.FlowReturn.OK

    sink.connect("new-sample", on_sample)
    sink.connect("eos", lambda _sink: src.emit("end-of-stream"))
    return bin_


def case_preroll():
    """A handler whose sink waits for a first buffer that never comes (a
    fakesink behind a closed valve) does not hold the server up: sessions
    that start while it waits hear their echo, one of them through a bin
    with an appsink and a live appsrc (such a bin never told its parent
    that its preroll ended: the server stayed PAUSED and every later
    handler's sink waited), and sessionbin stays PLAYING."""
    def create_handler(_sb, context):
        if context.get_id() == "waits":
            return Gst.parse_bin_from_description("valve drop=true ! fakesink", True)
        if context.get_id() == "live-app":
            return live_app_bin()
        return echo_bin()

    # The waiting handler drops the EOS too: it is removed after drain-timeout.
    server = Pipeline.sessionbin(create_handler=create_handler, drain_timeout=1).start()
    states = []

    async def later(ident, freq):
        await asyncio.sleep(0.5)
        return await stream(server.port, ident, freq=freq, amplitude=8000, seconds=2.0)

    async def state_meanwhile():
        await asyncio.sleep(1.5)
        states.append(server.server.get_state(0)[1:])

    async def all_():
        return await asyncio.gather(
            stream(server.port, "waits", freq=500.0, amplitude=8000, seconds=3.5),
            later("after", 900.0), later("live-app", 1300.0), state_meanwhile())

    _waits, after, live, _ = asyncio.run(all_())
    errors = server.errors()
    server.stop()
    check(states == [(Gst.State.PLAYING, Gst.State.VOID_PENDING)],
          "sessionbin PLAYING while a handler waits for its first buffer: %s" % states)
    hears_own_tone(after, 900.0, min_fraction=0.95)
    hears_own_tone(live, 1300.0, min_fraction=0.95)
    check(not errors, "no error: %s" % errors)


CASES = {
    "isolation": case_isolation,
    "templating": case_templating,
    "errors-parse": case_errors_parse,
    "errors-file": case_errors_file,
    "errors-not-negotiated": case_errors_not_negotiated,
    "errors-element": case_errors_element,
    "errors-after-queue": case_errors_after_queue,
    "create-handler": case_create_handler,
    "messages": case_messages,
    "churn": case_churn,
    "dialects": case_dialects,
    "drain": case_drain,
    "preroll": case_preroll,
}


def main():
    run_cases(CASES)


if __name__ == "__main__":
    main()
