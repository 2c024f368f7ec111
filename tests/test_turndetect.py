#!/usr/bin/env python3
"""turndetect end to end: `sessionbin handler=turndetect` (FastRTC's echo
demo) in-process against real WebSocket callers who speak espeak-ng
utterances between pauses. One case per run, named on the command line
(tests/meson.build registers each as its own test, suite 'turndetect').

    test_turndetect.py echo|noise|live|threads|unsynced-sink
"""
import os
import sys
import threading
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Gst, GstSessionCtx, Pipeline, thread_names  # noqa: E402
import speech  # noqa: E402
from turnclient import Caller, run_callers  # noqa: E402

from checks import check, run_cases  # noqa: E402

LEAD = 0.5      # silence before the first utterance
GAP = 3.0       # after each: the pause, and the reply played back whole
PAUSE = 0.6     # turndetect's pause-duration default
PRE_ROLL = 0.1


def script(rate, texts, noise_level=None, seed=3):
    """The caller's signal at @rate: @texts spoken (espeak-ng) between
    pauses, over white noise at @noise_level dBFS if given; the signal and
    each utterance's true [start, end) in seconds."""
    utts = [speech.synth(t, v, rate, -20) for t, v in zip(texts, speech.VOICES)]
    x, truth = speech.scene(utts, rate, lead=LEAD, gap=GAP, tail=GAP)
    if noise_level is not None:
        x = x + speech.noise("white", len(x), rate, noise_level, np.random.default_rng(seed))
    return speech.to_s16(x), truth


def similarity(reply, sent, rate_sent, rate_reply):
    """The best normalized cross-correlation of @reply with @sent (brought to
    @rate_reply), and where in @sent (seconds) the reply lines up."""
    ref = speech.resample(sent.astype(np.float64), rate_sent, rate_reply)
    r = reply.astype(np.float64)
    if len(r) < 16 or len(ref) < len(r):
        return 0.0, None
    n = 1 << int(np.ceil(np.log2(len(ref) + len(r))))
    xc = np.fft.irfft(np.fft.rfft(ref, n) * np.conj(np.fft.rfft(r, n)), n)[:len(ref) - len(r) + 1]
    c = np.concatenate([[0.0], np.cumsum(ref ** 2)])
    energy = c[len(r):] - c[:len(c) - len(r)]
    score = xc / np.sqrt(np.maximum(energy, 1e-9) * np.sum(r ** 2))
    lag = int(np.argmax(score))
    return float(score[lag]), lag / rate_reply


def turns_of(server, ident):
    """[(start, end, duration)] s of the turn-ended messages naming @ident
    (by session-id and context), and how many named another id."""
    out, wrong = [], 0
    for m in server.element_messages("turn-ended"):
        s = m.get_structure()
        ctx = GstSessionCtx.message_get_session_context(m)
        if s.get_string("session-id") != (ctx.get_id() if ctx else None):
            wrong += 1
            continue
        if ctx.get_id() != ident:
            continue
        ok, _c, _turn, start, end, _reason = GstSessionCtx.message_parse_turn_ended(m)
        ok2, duration = s.get_uint64("duration")
        out.append((start / Gst.SECOND, end / Gst.SECOND,
                    duration / Gst.SECOND if ok2 else None))
    return out, wrong


def check_caller(server, caller, signal, truth):
    """The echo demo's promise for one caller: one reply per utterance,
    after it ended (past the pause), equal to it, nothing while talking.
    (sessionsink's resampler holds back its look-ahead, 15 samples at
    24 kHz, until more comes or the session ends: that tail, shorter than
    10 ms, is no reply.)"""
    bursts = [b for b in caller.bursts() if len(b[2]) >= caller.rate_out // 100]
    print("%s: sent %.2f s, utterances %s, replies %s" % (
        caller, caller.sent_seconds, [(round(a, 2), round(b, 2)) for a, b in truth],
        [(round(a, 2), round(b, 2), round(len(s) / caller.rate_out, 2)) for a, b, s in bursts]))
    check(len(bursts) == len(truth), "%s: %d replies for %d utterances"
          % (caller, len(bursts), len(truth)))
    talking = [t for t, _s in caller.received for a, b in truth if a <= t <= b + 0.3]
    check(not talking, "%s: nothing came back while the caller talked (%d frames did)"
          % (caller, len(talking)))
    for (a, b), (first, _last, reply) in zip(truth, bursts):
        after = first - b
        check(PAUSE - 0.1 <= after <= PAUSE + 0.6,
              "%s: the reply to [%.2f, %.2f] began %.2f s after it ended" % (caller, a, b, after))
        heard = len(reply) / caller.rate_out
        check(abs(heard - (b - a)) <= 0.35,
              "%s: the reply lasts %.2f s, the utterance %.2f s" % (caller, heard, b - a))
        score, where = similarity(reply, signal, caller.rate_in, caller.rate_out)
        check(score >= 0.9 and where is not None and a - PRE_ROLL - 0.15 <= where <= a + 0.1,
              "%s: the reply is the utterance (correlation %.3f, lined up at %s s, it began "
              "at %.2f)" % (caller, score, None if where is None else round(where, 3), a))
    turns, wrong = turns_of(server, caller.id)
    check(wrong == 0, "every turn-ended message's session-id is its context's id")
    check(len(turns) == len(truth), "%s: %d turn-ended messages for %d utterances: %s"
          % (caller, len(turns), len(truth), turns))
    for (a, b), (start, end, duration) in zip(truth, turns):
        check(duration is not None and abs(duration - (end - start)) < 1e-6
              and abs(duration - (b - a)) <= 0.35,
              "%s: turn-ended duration %.2f s (start %.2f, end %.2f) for an utterance of %.2f s"
              % (caller, duration or -1, start, end, b - a))


def case_echo():
    """FastRTC JSON, FastRTC binary and Twilio callers at once, one of
    them over background noise: each hears each utterance back, whole,
    after its pause, and nothing while talking."""
    server = Pipeline.sessionbin(handler="turndetect").start()
    callers = [Caller("fastrtc-json"), Caller("fastrtc-binary", media="s16le"),
               Caller("twilio-call", dialect="twilio")]
    texts = [["One two three.", "Could you tell me the weather?"],
             ["Hello there.", "I would like a table for two."],
             ["Yes, please.", "Stop right there."]]
    scripts = [script(c.rate_in, t, noise_level=-45 if i == 1 else None)
               for i, (c, t) in enumerate(zip(callers, texts))]
    run_callers(server.port, [(c, s) for c, (s, _t) in zip(callers, scripts)])
    server.wait(lambda p: len(p.handler_done()) >= len(callers), 10)
    errors = server.errors()
    warns = server.warnings()
    done = server.handler_done()
    started = server.element_messages("turn-started")
    server.stop()
    for c, (signal, truth) in zip(callers, scripts):
        check_caller(server, c, signal, truth)
    check(all(m.get_structure().get_string("session-id") for m in started)
          and len(started) == sum(len(t) for _s, t in scripts),
          "turn-started for every turn, each naming its session: %d" % len(started))
    check(all(m.src and m.src.get_factory() and m.src.get_factory().get_name() == "turndetect"
              for m in started), "the messages come from the turndetect of the session")
    check(sorted(r for _i, r in done) == ["finished"] * len(callers),
          "every handler finished: %s" % done)
    check(not errors and not warns, "no error, no warning: %s %s" % (errors, warns))


def case_noise():
    """A caller who only sends noise (steady -35 dBFS white noise, and
    clicks) hears nothing and makes no turn; a caller speaking beside it
    gets its reply."""
    server = Pipeline.sessionbin(handler="turndetect").start()
    rate = 48000
    rng = np.random.default_rng(4)
    n = int(8 * rate)
    noise = speech.to_s16(speech.noise("white", n, rate, -35, rng)
                          + speech.clicks(n, rate, 2, -6, rng))
    quiet, talker = Caller("noise-only"), Caller("talker")
    signal, truth = script(rate, ["One two three."])
    run_callers(server.port, [(quiet, noise), (talker, signal)])
    server.wait(lambda p: len(p.handler_done()) >= 2, 10)
    errors = server.errors()
    turns, _wrong = turns_of(server, "noise-only")
    server.stop()
    check(not quiet.received, "the noise-only caller heard nothing (%d frames)"
          % len(quiet.received))
    check(not turns, "no turn for the noise-only caller: %s" % turns)
    check_caller(server, talker, signal, truth)
    check(not errors, "no error: %s" % errors)


def case_live():
    """mode=live: all the audio comes back as it goes (a plain echo), and
    the turns are still found and posted."""
    server = Pipeline.sessionbin(handler="turndetect mode=live").start()
    caller = Caller("live-caller")
    signal, truth = script(caller.rate_in, ["One two three.", "Hello there."])
    run_callers(server.port, [(caller, signal)])
    server.wait(lambda p: len(p.handler_done()) >= 1, 10)
    errors = server.errors()
    turns, _wrong = turns_of(server, caller.id)
    server.stop()
    got = len(caller.pcm) / caller.rate_out
    check(got >= caller.sent_seconds - 0.2, "everything came back: %.2f s of %.2f s"
          % (got, caller.sent_seconds))
    # Live: it flows back at the pace it goes, not after the turn ends.
    start, end = truth[0][0] + 0.2, truth[0][1]
    during = sum(len(s) for t, s in caller.received if start <= t <= end) / caller.rate_out
    check(during >= 0.5 * (end - start), "audio came back while the caller talked: "
          "%.2f s within its %.2f s" % (during, end - start))
    check(len(turns) == len(truth), "%d turns for %d utterances: %s" % (len(turns), len(truth),
                                                                       turns))
    check(not errors, "no error: %s" % errors)


def server_threads():
    """This process's threads but the Python ones (the callers run here)."""
    return sum(n for name, n in thread_names().items() if name != "python3")


def case_threads():
    """Issue 22: 24 callers whose replies play at the same time, each from
    its own turndetect: the threads do not grow with the sessions (the
    replies are paced on the clock, not by a thread waiting per session),
    and each reply still comes back whole, at the pace it was spoken."""
    n = 24
    server = Pipeline.sessionbin(handler="turndetect").start()
    callers = [Caller("threads-%d" % i, dialect="twilio" if i % 2 else "fastrtc")
               for i in range(n)]
    texts = ["Could you tell me the weather?", "I would like a table for two."]
    scripts = [script(c.rate_in, [texts[i % 2]]) for i, c in enumerate(callers)]
    base = server_threads()
    peak = [base, {}]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            now = server_threads()
            if now > peak[0]:
                peak[0], peak[1] = now, thread_names()
            time.sleep(0.05)
    sampler = threading.Thread(target=sample)
    sampler.start()
    run_callers(server.port, [(c, s) for c, (s, _t) in zip(callers, scripts)])
    stop.set()
    sampler.join()
    server.wait(lambda p: len(p.handler_done()) >= n, 10)
    errors = server.errors()
    server.stop()
    print("threads: %d before the callers, at most %d with %d sessions: %s"
          % (base, peak[0], n, peak[1]))
    # What is fixed: the session pads' and the turndetects' shared threads
    # (one per core each, and a watcher each), the system clock's thread,
    # the removals' pool (4); a thread per session would be 24 more.
    check(peak[0] - base <= 16, "threads grew by %d for %d sessions replying at once (≤ 16)"
          % (peak[0] - base, n))
    overlap = 0
    spans = []
    for c, (signal, truth) in zip(callers, scripts):
        bursts = [b for b in c.bursts() if len(b[2]) >= c.rate_out // 100]
        check(len(bursts) == 1, "%s: one reply for one utterance: %d" % (c, len(bursts)))
        if not bursts:
            continue
        first, last, reply = bursts[0]
        heard = len(reply) / c.rate_out
        a, b = truth[0]
        spans.append((first, last))
        check(abs(heard - (b - a)) <= 0.35, "%s: the reply lasts %.2f s, the utterance %.2f s"
              % (c, heard, b - a))
        # Paced: it arrives over as long as it lasts (sent at once it would
        # arrive within a few tens of milliseconds).
        check(last - first >= heard - 0.3, "%s: the reply of %.2f s arrived over %.2f s"
              % (c, heard, last - first))
        score, _where = similarity(reply, signal, c.rate_in, c.rate_out)
        check(score >= 0.9, "%s: the reply is the utterance (correlation %.3f)" % (c, score))
    if spans:
        overlap = sum(1 for f, l in spans if f <= min(l2 for _f2, l2 in spans))
    print("replies playing at once: %d of %d" % (overlap, n))
    check(overlap >= n // 2, "the replies played at the same time: %d of %d" % (overlap, n))
    check(not errors, "no error: %s" % errors)


def case_unsynced_sink():
    """A handler that ends in a sink that does not sync (a recognizer's
    `appsink sync=false`) gets each turn whole at once when the pause is
    recognised, not paced over the turn's length; a syncing one (the
    echo) gets it at the pace it was spoken (`turndetect-threads`)."""
    arrivals = {}

    def on_sample(sink, ident):
        sample = sink.emit("pull-sample")
        buf = sample.get_buffer()
        arrivals.setdefault(ident, []).append((time.time(), buf.duration / Gst.SECOND))
        return Gst.FlowReturn.OK

    def create_handler(_sb, context):
        ident = context.get_id()
        bin_ = Gst.parse_bin_from_description(
            "turndetect ! appsink name=rec sync=false emit-signals=true", True)
        bin_.get_by_name("rec").connect("new-sample", on_sample, ident)
        return bin_

    server = Pipeline.sessionbin(create_handler=create_handler).start()
    caller = Caller("recognizer")
    signal, truth = script(caller.rate_in, ["Could you tell me the weather?"])
    run_callers(server.port, [(caller, signal)])
    errors = server.errors()
    server.stop()
    got = arrivals.get("recognizer", [])
    audio = sum(d for _t, d in got)
    spread = got[-1][0] - got[0][0] if got else -1
    a, b = truth[0]
    print("%d buffers, %.2f s of audio for an utterance of %.2f s, arrived over %.3f s"
          % (len(got), audio, b - a, spread))
    check(abs(audio - (b - a)) <= 0.35, "the turn came whole: %.2f s for %.2f s" % (audio, b - a))
    check(0 <= spread <= 0.2, "all at once: over %.3f s (the turn lasts %.2f s)" % (spread, audio))
    check(not errors, "no error: %s" % errors)


CASES = {
    "echo": case_echo,
    "noise": case_noise,
    "live": case_live,
    "threads": case_threads,
    "unsynced-sink": case_unsynced_sink,
}


def main():
    run_cases(CASES)


if __name__ == "__main__":
    main()
