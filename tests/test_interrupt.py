#!/usr/bin/env python3
"""Interruption end to end (turndetect's can-interrupt, sessionbin cutting
a session's reply): a caller who speaks again while the reply to their
last turn plays stops hearing it within 0.5 s of their new speech; a
caller beside them who does not hears theirs whole. One case per run,
named on the command line (each its own meson test, suite 'turndetect');
`webrtc` re-runs itself in a private network namespace (aiortc, root).

    test_interrupt.py twilio|websocket|webrtc|appsrc|off
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from harness import Gst, GstSessionCtx, Pipeline  # noqa: E402
import speech  # noqa: E402
from turnclient import Caller, run_callers  # noqa: E402
from checks import check, run_cases  # noqa: E402
from netns import SERVER_ADDRESS, run_inside  # noqa: E402

LEAD = 0.5
FIRST = "Hello there, this is a test of turn detection."
SECOND = "One two three."
BESIDE = "Could you tell me the weather in Paris tomorrow morning?"
REPLY_STARTS = 0.7   # after an utterance ends: the pause (0.6 s) and a little
INTO_REPLY = 1.0     # the caller speaks again this long into the reply
CUT_WITHIN = 0.5     # the promise: reply audio heard after the new speech
TAIL = 3.5           # after the last utterance: its reply, whole


def interrupter_script(rate):
    """Speaks FIRST, waits for its reply to begin, speaks SECOND INTO_REPLY
    seconds into it, then waits for SECOND's reply. The signal, the true
    [start, end) of both utterances (s), and SECOND's onset."""
    one = speech.synth(FIRST, "en-us", rate, -20)
    two = speech.synth(SECOND, "en-us+f3", rate, -20)
    a = LEAD
    b = a + len(one) / rate
    onset = b + REPLY_STARTS + INTO_REPLY
    x = np.zeros(int((onset + len(two) / rate + TAIL) * rate))
    x[int(a * rate):int(a * rate) + len(one)] = one
    x[int(onset * rate):int(onset * rate) + len(two)] = two
    return speech.to_s16(x), [(a, b), (onset, onset + len(two) / rate)], onset


def bystander_script(rate, seconds):
    """Speaks BESIDE once, then stays silent as long as the interrupter
    talks: its reply plays while the other's is cut."""
    one = speech.synth(BESIDE, "en", rate, -20)
    x = np.zeros(int(seconds * rate))
    x[int(LEAD * rate):int(LEAD * rate) + len(one)] = one
    return speech.to_s16(x), [(LEAD, LEAD + len(one) / rate)]


def reply_bursts(bursts, seconds_of):
    """Bursts that are replies (10 ms or more: sessionsink's resampler
    tail at a session's end is not one)."""
    return [b for b in bursts if seconds_of(b) >= 0.01]


def started_fields(server, ident):
    """[(turn, interrupt, interrupted)] of the turn-started messages of
    @ident's session (None where a field is absent)."""
    out = []
    for m in server.element_messages("turn-started"):
        ctx = GstSessionCtx.message_get_session_context(m)
        if not ctx or ctx.get_id() != ident:
            continue
        s = m.get_structure()
        fields = []
        for name in ("interrupt", "interrupted"):
            ok, v = s.get_boolean(name)
            fields.append(v if ok else None)
        out.append((s.get_value("turn"), fields[0], fields[1]))
    return out


def check_cut(who, bursts, seconds_of, truth, onset, clears=None):
    """@who's first reply was cut: what of it arrived after the new onset
    is under CUT_WITHIN seconds of audio; the second reply plays whole.
    @bursts: (first arrival, last arrival, what) in arrival order;
    @seconds_of(burst, after=None): seconds of audio in a burst (that
    arrived after a time). Returns the seconds heard after the onset."""
    replies = reply_bursts(bursts, seconds_of)
    print("%s: utterances %s, onset %.2f, replies %s" % (
        who, [(round(a, 2), round(b, 2)) for a, b in truth], onset,
        [(round(r[0], 2), round(r[1], 2), round(seconds_of(r), 2)) for r in replies]))
    if not check(len(replies) == 2, "%s: two replies (the first cut), %d came"
                 % (who, len(replies))):
        return None
    (a1, b1), (a2, b2) = truth
    first, second = replies
    after = seconds_of(first, onset)
    check(first[0] < onset, "%s: the first reply was playing when the caller spoke again "
          "(it began at %.2f, the new speech at %.2f)" % (who, first[0], onset))
    check(after < CUT_WITHIN, "%s: %.3f s of the first reply arrived after the new speech "
          "began (under %.1f s)" % (who, after, CUT_WITHIN))
    check(seconds_of(first) < (b1 - a1) - 0.5, "%s: the first reply was cut: %.2f s of it "
          "for an utterance of %.2f s" % (who, seconds_of(first), b1 - a1))
    check(second[0] >= b2 + 0.4, "%s: the second reply came after the second utterance "
          "(at %.2f, it ended %.2f)" % (who, second[0], b2))
    check(abs(seconds_of(second) - (b2 - a2)) <= 0.35, "%s: the second reply is whole: %.2f s "
          "for %.2f s" % (who, seconds_of(second), b2 - a2))
    if clears is not None:
        check(len(clears) == 1 and onset < clears[0] < onset + CUT_WITHIN,
              "%s: one clear, within %.1f s of the new speech: %s"
              % (who, CUT_WITHIN, [round(t - onset, 3) for t in clears]))
        if clears:
            late = seconds_of(first, clears[0])
            check(late <= 0.02, "%s: after the clear, %.3f s of the first reply (at most a "
                  "frame written as it came)" % (who, late))
    return after


def check_whole(who, bursts, seconds_of, truth, clears=None):
    """@who's one reply played whole; no clear."""
    replies = reply_bursts(bursts, seconds_of)
    (a, b), = truth
    check(len(replies) == 1 and abs(seconds_of(replies[0]) - (b - a)) <= 0.35,
          "%s: its reply whole: %s for an utterance of %.2f s"
          % (who, [round(seconds_of(r), 2) for r in replies], b - a))
    if clears is not None:
        check(not clears, "%s: no clear (%d)" % (who, len(clears)))


def ws_seconds(caller):
    def seconds_of(burst, after=None):
        first, last, _pcm = burst
        n = sum(len(s) for t, s in caller.received
                if first <= t <= last and (after is None or t > after))
        return n / caller.rate_out
    return seconds_of


def check_messages(server, interrupters, bystanders):
    for c in interrupters:
        fields = started_fields(server, c.id)
        check([f[1:] for f in fields] == [(True, False), (True, True)],
              "%s: turn-started interrupt, interrupted: %s" % (c, fields))
    for c in bystanders:
        fields = started_fields(server, c.id)
        check([f[1:] for f in fields] == [(True, False)],
              "%s: turn-started interrupt, interrupted: %s" % (c, fields))


def run_ws_case(interrupters, bystanders, handler="turndetect", create_handler=None):
    if create_handler:
        server = Pipeline.sessionbin(create_handler=create_handler).start()
    else:
        server = Pipeline.sessionbin(handler=handler).start()
    scripts = [interrupter_script(c.rate_in) for c in interrupters]
    seconds = max(len(s) / c.rate_in for c, (s, _t, _o) in zip(interrupters, scripts))
    others = [bystander_script(c.rate_in, seconds) for c in bystanders]
    run_callers(server.port, [(c, s) for c, (s, _t, _o) in zip(interrupters, scripts)]
                + [(c, s) for c, (s, _t) in zip(bystanders, others)])
    server.wait(lambda p: len(p.handler_done()) >= len(interrupters) + len(bystanders), 10)
    errors, warnings = server.errors(), server.warnings()
    server.stop()
    cut = []
    for c, (_s, truth, onset) in zip(interrupters, scripts):
        clears = c.events_named("clear") if c.dialect == "twilio" else None
        cut.append(check_cut(c, c.bursts(), ws_seconds(c), truth, onset, clears))
        if c.dialect != "twilio":
            check(not c.events, "%s: no message but media: %s" % (c, c.events[:3]))
    for c, (_s, truth) in zip(bystanders, others):
        check_whole(c, c.bursts(), ws_seconds(c), truth,
                    c.events_named("clear") if c.dialect == "twilio" else None)
    check(not errors and not warnings, "no error, no warning: %s %s" % (errors, warnings))
    print("reply heard after the new speech began: %s s" % [
        None if x is None else round(x, 3) for x in cut])
    return server


def case_twilio():
    """A Twilio caller interrupts the echo of their first utterance: it gets
    `clear` and the echo stops; a FastRTC caller beside it hears theirs
    whole."""
    talker, beside = Caller("twilio-cut", dialect="twilio"), Caller("fastrtc-beside")
    server = run_ws_case([talker], [beside])
    check_messages(server, [talker], [beside])


def case_websocket():
    """FastRTC WebSocket callers (JSON, binary S16LE) interrupt theirs: it
    stops coming (no clear: FastRTC has none); a Twilio caller beside them
    hears its own whole and gets no clear."""
    talkers = [Caller("fastrtc-cut"), Caller("binary-cut", media="s16le")]
    beside = Caller("twilio-beside", dialect="twilio")
    server = run_ws_case(talkers, [beside])
    check_messages(server, talkers, [beside])


def tone_handler(_bin, context):
    """create-handler: turndetect, and an application's reply to each turn:
    a 3 s tone made at once and pushed whole into an appsrc (stamped from
    now), which the caller may interrupt."""
    rate = 48000
    caps = "audio/x-raw,format=S16LE,layout=interleaved,channels=1,rate=%d" % rate
    b = Gst.Bin.new(None)
    td = Gst.ElementFactory.make("turndetect")
    sink = Gst.ElementFactory.make("fakesink")
    sink.set_property("sync", False)
    sink.set_property("async", False)
    src = Gst.ElementFactory.make("appsrc")
    src.set_property("caps", Gst.Caps.from_string(caps))
    src.set_property("format", Gst.Format.TIME)
    src.set_property("is-live", True)
    for e in (td, sink, src):
        b.add(e)
    td.link(sink)
    b.add_pad(Gst.GhostPad.new("sink", td.get_static_pad("sink")))
    b.add_pad(Gst.GhostPad.new("src", src.get_static_pad("src")))
    t = np.arange(3 * rate) / rate
    tone = (6000 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)

    def on_turn(_pad, info):
        ev = info.get_event()
        ok, _ctx, _turn, _start, _end, _reason = GstSessionCtx.event_parse_turn_end(ev)
        if ok:
            at = src.get_current_running_time()
            step = rate // 50
            for i in range(0, len(tone), step):
                buf = Gst.Buffer.new_wrapped(tone[i:i + step].tobytes())
                buf.pts = at + i * Gst.SECOND // rate
                buf.duration = step * Gst.SECOND // rate
                src.emit("push-buffer", buf)
        return Gst.PadProbeReturn.OK
    td.get_static_pad("src").add_probe(Gst.PadProbeType.EVENT_DOWNSTREAM, on_turn)
    return b


def case_appsrc():
    """The reply made by an application (a 3 s tone pushed at once into an
    appsrc, not through turndetect): cut as well; a caller beside hears its
    3 s."""
    talker, beside = Caller("app-cut"), Caller("app-beside", dialect="twilio")
    server = Pipeline.sessionbin(create_handler=tone_handler).start()
    signal, truth, onset = interrupter_script(talker.rate_in)
    other, other_truth = bystander_script(beside.rate_in, len(signal) / talker.rate_in)
    run_callers(server.port, [(talker, signal), (beside, other)])
    server.wait(lambda p: len(p.handler_done()) >= 2, 10)
    errors = server.errors()
    server.stop()
    seconds_of = ws_seconds(talker)
    replies = reply_bursts(talker.bursts(), seconds_of)
    print("%s: onset %.2f, replies %s" % (talker, onset, [
        (round(r[0], 2), round(r[1], 2), round(seconds_of(r), 2)) for r in replies]))
    if check(len(replies) == 2, "%s: two replies, %d" % (talker, len(replies))):
        after = seconds_of(replies[0], onset)
        check(replies[0][0] < onset and after < CUT_WITHIN,
              "%s: %.3f s of the tone after the new speech (it began at %.2f)"
              % (talker, after, replies[0][0]))
        check(abs(seconds_of(replies[1]) - 3.0) <= 0.05, "%s: the second tone whole: %.2f s"
              % (talker, seconds_of(replies[1])))
        print("tone heard after the new speech began: %.3f s" % after)
    replies = reply_bursts(beside.bursts(), ws_seconds(beside))
    check(len(replies) == 1 and abs(ws_seconds(beside)(replies[0]) - 3.0) <= 0.05,
          "%s: its tone whole: %s" % (beside, [round(ws_seconds(beside)(r), 2) for r in replies]))
    check(not beside.events_named("clear"), "%s: no clear" % beside)
    check(not errors, "no error: %s" % errors)


def case_off():
    """can-interrupt=false: a caller speaking during the reply does not cut
    it (no clear, interrupt=FALSE)."""
    talker = Caller("twilio-no-cut", dialect="twilio")
    server = Pipeline.sessionbin(handler="turndetect can-interrupt=false").start()
    signal, truth, onset = interrupter_script(talker.rate_in)
    run_callers(server.port, [(talker, signal)])
    server.wait(lambda p: len(p.handler_done()) >= 1, 10)
    fields = started_fields(server, talker.id)
    server.stop()
    seconds_of = ws_seconds(talker)
    replies = reply_bursts(talker.bursts(), seconds_of)
    (a1, b1), (a2, b2) = truth
    # The second reply follows the first without a gap: one burst.
    heard = sum(seconds_of(r) for r in replies)
    check(abs(heard - (b1 - a1) - (b2 - a2)) <= 0.5,
          "both replies whole: %s s for utterances of %.2f and %.2f s" % (
              [round(seconds_of(r), 2) for r in replies], b1 - a1, b2 - a2))
    after = sum(seconds_of(r, onset) for r in replies) - (b2 - a2)
    check(after >= (b1 - a1) - (onset - replies[0][0]) - 0.35 if replies else False,
          "the first reply went on after the new speech: %.2f s of it" % after)
    check(not talker.events_named("clear"), "no clear")
    check([f[1:] for f in fields] == [(False, None), (False, None)],
          "turn-started interrupt=FALSE, nothing cut: %s" % fields)


def case_webrtc():
    """Two aiortc callers (in a private network namespace): the one who
    speaks again stops receiving its first reply (RTP packets counted as
    they arrive); the other gets its own whole."""
    from rtccaller import PACKET_SECONDS, RtcCaller, run_rtc_callers
    server = Pipeline.sessionbin(handler="turndetect", ice_addresses=SERVER_ADDRESS).start()
    talker, beside = RtcCaller("rtc-cut"), RtcCaller("rtc-beside")
    signal, truth, onset = interrupter_script(talker.rate_in)
    other, other_truth = bystander_script(beside.rate_in, len(signal) / talker.rate_in)
    url = "http://127.0.0.1:%d/webrtc/offer" % server.port
    run_rtc_callers(url, [(talker, signal), (beside, other)])
    server.wait(lambda p: len(p.handler_done()) >= 2, 20)
    errors = server.errors()
    for c in (talker, beside):
        check(c.error is None and c.state == "connected", "%s connected (%s)" % (c, c.error))

    def packets_of(caller):
        def seconds_of(burst, after=None):
            first, last, _n = burst
            return PACKET_SECONDS * sum(1 for t, _s, _ts in caller.packets
                                        if first <= t <= last and (after is None or t > after))
        return seconds_of
    after = check_cut(talker, talker.bursts(), packets_of(talker), truth, onset)
    check_whole(beside, beside.bursts(), packets_of(beside), other_truth)
    check_messages(server, [talker], [beside])
    server.stop()
    check(not errors, "no error: %s" % errors)
    print("reply heard after the new speech began: %s s" % (
        None if after is None else round(after, 3)))


CASES = {
    "twilio": case_twilio,
    "websocket": case_websocket,
    "webrtc": case_webrtc,
    "appsrc": case_appsrc,
    "off": case_off,
}


def main():
    if sys.argv[1:] == ["webrtc"] or sys.argv[1:2] == ["--inside"]:
        run_inside(os.path.abspath(__file__), lambda: run_cases(CASES))
    run_cases(CASES)


if __name__ == "__main__":
    main()
