#!/usr/bin/env python3
"""pipelines/voice_agent.py in process (its VoiceAgentServer on an
in-process sessionbin) against real callers speaking espeak-ng
utterances: each caller's replies name their own session and count their
own turns (asserted on the JSON message the agent sends with each reply,
not on what pocketsphinx recognised), over FastRTC WebSocket (JSON and
binary), Twilio and WebRTC (aiortc in a private network namespace); a
caller who speaks during a reply cuts it. One case per run:

    test_voice_agent.py callers|script|interrupt|webrtc
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "pipelines"))
from harness import Pipeline  # noqa: E402
import speech  # noqa: E402
from turnclient import Caller, run_callers  # noqa: E402
from checks import check, run_cases  # noqa: E402
from netns import SERVER_ADDRESS, run_inside  # noqa: E402
import voice_agent  # noqa: E402

LEAD = 0.5
GAP = 7.0          # after an utterance: its reply, whole (about 4 s), and a pause


def script(rate, texts, gap=GAP, at=None):
    """@texts spoken at @rate (the first after LEAD, each next @gap seconds
    after the one before ended, or at the times @at); the signal and each
    utterance's true [start, end) in seconds."""
    utts = [speech.synth(t, v, rate, -20) for t, v in zip(texts, speech.VOICES)]
    truth, t = [], LEAD
    for i, u in enumerate(utts):
        if at is not None:
            t = at[i]
        truth.append((t, t + len(u) / rate))
        t += len(u) / rate + gap
    x = np.zeros(int((truth[-1][1] + gap) * rate))
    for (a, _b), u in zip(truth, utts):
        x[int(a * rate):int(a * rate) + len(u)] = u
    return speech.to_s16(x), truth


def agent_server(**props):
    server = Pipeline.sessionbin(**props)
    tmp = tempfile.TemporaryDirectory()
    recognizers = voice_agent.RecognizerPool(voice_agent.write_grammar(tmp.name))
    agents = voice_agent.VoiceAgentServer(server.server, voice_agent.Agent(recognizers),
                                          quiet=True)
    agents.watch(server.pipeline.get_bus())
    server.start()
    return server, recognizers, tmp


def replies(messages):
    """The agent's reply messages among @messages [(arrival s, JSON text or
    what it parsed to)]: [(arrival s, data)]."""
    out = []
    for t, m in messages:
        if isinstance(m, str):
            try:
                m = json.loads(m)
            except ValueError:
                continue
        if isinstance(m, dict) and m.get("type") == "reply":
            out.append((t, m.get("data", {})))
    return out


def check_named(who, ident, got, truth):
    """@got: the reply messages of caller @ident: one per utterance, each
    naming the caller's own session (its id, and its short form) and its
    own turn count, after the utterance ended."""
    print("%s: utterances %s, replies %s" % (who, [(round(a, 2), round(b, 2)) for a, b in truth],
                                            [(round(t, 2), d) for t, d in got]))
    check(len(got) == len(truth), "%s: %d reply messages for %d utterances"
          % (who, len(got), len(truth)))
    check([d.get("turn") for _t, d in got] == list(range(1, len(got) + 1)),
          "%s: turns counted 1, 2, ...: %s" % (who, [d.get("turn") for _t, d in got]))
    check(all(d.get("session") == ident and d.get("caller") == voice_agent.short_id(ident)
              for _t, d in got), "%s: every reply names its own session" % who)
    check(all("turn %d:" % d.get("turn") in d.get("text", "")
              and "Caller %s," % " ".join(voice_agent.short_id(ident)) in d.get("text", "")
              for _t, d in got), "%s: what is said names the caller and the turn" % who)
    check(all(b < t < b + 5 for (t, _d), (_a, b) in zip(got, truth)),
          "%s: each reply after its utterance ended" % who)


def audio_replies(bursts, seconds_of):
    return [b for b in bursts if seconds_of(b) >= 0.3]


def ws_seconds(caller):
    def seconds_of(burst, after=None):
        first, last, _pcm = burst
        n = sum(len(s) for t, s in caller.received
                if first <= t <= last and (after is None or t > after))
        return n / caller.rate_out
    return seconds_of


def check_heard(who, bursts, seconds_of, truth):
    """One spoken reply per utterance, beginning after it ended (the pause,
    recognition, synthesis), a second or more long."""
    got = audio_replies(bursts, seconds_of)
    print("%s: spoken replies %s" % (who, [(round(r[0], 2), round(seconds_of(r), 2))
                                           for r in got]))
    check(len(got) == len(truth), "%s: %d spoken replies for %d utterances"
          % (who, len(got), len(truth)))
    for r, (_a, b) in zip(got, truth):
        check(b + 0.5 <= r[0] <= b + 3.0 and seconds_of(r) >= 1.0,
              "%s: a reply of %.2f s, %.2f s after the utterance ended"
              % (who, seconds_of(r), r[0] - b))


def case_callers():
    """Three callers at once (FastRTC JSON, FastRTC binary, Twilio), two
    utterances each: each WebSocket caller's two reply messages name its
    own session and turns 1 and 2; every caller hears two replies; nothing
    is cut."""
    server, recognizers, _tmp = agent_server()
    callers = [Caller("a1b2-agent"), Caller("c3d4-agent", media="s16le"),
               Caller("e5f6-call", dialect="twilio")]
    texts = [["One two three.", "Four five."], ["Yes please.", "Six seven."],
             ["Hello.", "Eight nine."]]
    scripts = [script(c.rate_in, t) for c, t in zip(callers, texts)]
    run_callers(server.port, [(c, s) for c, (s, _t) in zip(callers, scripts)])
    server.wait(lambda p: len(p.handler_done()) >= len(callers), 10)
    errors, warnings, done = server.errors(), server.warnings(), server.handler_done()
    started = server.element_messages("turn-started")
    server.stop()
    recognizers.close()
    for c, (_s, truth) in zip(callers, scripts):
        if c.dialect == "twilio":
            check(not c.events, "%s: no JSON message (Twilio has none for it): %s"
                  % (c, c.events[:2]))
        else:
            check_named(c, c.id, replies(c.events), truth)
        check_heard(c, c.bursts(), ws_seconds(c), truth)
    cut = [m for m in started if m.get_structure().get_boolean("interrupted")[1]]
    check(not cut, "no reply cut: %d" % len(cut))
    check(sorted(r for _i, r in done) == ["finished"] * len(callers),
          "every handler finished: %s" % done)
    check(not errors and not warnings, "no error, no warning: %s %s" % (errors, warnings))


def case_interrupt():
    """A caller who speaks again while the agent answers cuts the answer
    (under 0.5 s of it after the new speech) and gets the answer to that
    turn, turn 2."""
    server, recognizers, _tmp = agent_server()
    caller = Caller("9z8y-cut")
    one_end = LEAD + len(speech.synth("One two three.", "en-us", caller.rate_in, -20)) \
        / caller.rate_in
    onset = one_end + 2.5
    signal, truth = script(caller.rate_in, ["One two three.", "Stop."], at=[LEAD, onset])
    run_callers(server.port, [(caller, signal)])
    server.wait(lambda p: len(p.handler_done()) >= 1, 10)
    errors = server.errors()
    fields = [m.get_structure().get_boolean("interrupted")
              for m in server.element_messages("turn-started")]
    server.stop()
    recognizers.close()
    got = replies(caller.events)
    check_named(caller, caller.id, got, truth)
    seconds_of = ws_seconds(caller)
    spoken = audio_replies(caller.bursts(), seconds_of)
    print("%s: onset %.2f, spoken replies %s" % (caller, onset, [
        (round(r[0], 2), round(r[1], 2), round(seconds_of(r), 2)) for r in spoken]))
    if check(len(spoken) == 2, "%s: two spoken replies, %d" % (caller, len(spoken))):
        after = seconds_of(spoken[0], onset)
        check(spoken[0][0] < onset and after < 0.5,
              "%s: %.3f s of the first answer after the new speech (it began at %.2f)"
              % (caller, after, spoken[0][0]))
        check(spoken[1][0] > truth[1][1], "%s: the second answer after the second turn"
              % caller)
        print("answer heard after the new speech began: %.3f s" % after)
    check([f for _ok, f in fields] == [False, True],
          "turn-started interrupted: first no, second yes: %s" % fields)
    check(not errors, "no error: %s" % errors)


def case_webrtc():
    """An aiortc caller (private network namespace): the reply messages come
    over its data channel, naming its session and turns 1 and 2, and it
    hears two replies (RTP packets)."""
    from rtccaller import PACKET_SECONDS, RtcCaller, run_rtc_callers
    server, recognizers, _tmp = agent_server(ice_addresses=SERVER_ADDRESS)
    caller = RtcCaller("7x6w-rtc")
    signal, truth = script(caller.rate_in, ["One two three.", "Four five."])
    run_rtc_callers("http://127.0.0.1:%d/webrtc/offer" % server.port, [(caller, signal)])
    server.wait(lambda p: len(p.handler_done()) >= 1, 20)
    errors = server.errors()
    server.stop()
    recognizers.close()
    check(caller.error is None and caller.state == "connected",
          "%s connected (%s)" % (caller, caller.error))
    check_named(caller, caller.id, replies(caller.messages), truth)

    def seconds_of(burst, after=None):
        first, last, _n = burst
        return PACKET_SECONDS * sum(1 for t, _s, _ts in caller.packets
                                    if first <= t <= last and (after is None or t > after))
    check_heard(caller, caller.bursts(), seconds_of, truth)
    check(not errors, "no error: %s" % errors)


def case_script():
    """The README's command, `voice_agent.py --port P`, as a process: it
    listens, a caller saying one thing hears an answer and gets its message,
    the script prints the caller's short form (never its id) and exits 0 on
    SIGINT."""
    from servers import free_port, stop_server, wait_listening
    port = free_port()
    app = subprocess.Popen([sys.executable, os.path.join(HERE, "..", "pipelines",
                                                         "voice_agent.py"),
                            "--port", str(port), "--address", "127.0.0.1"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        listening = wait_listening(port, timeout=20, proc=app)
        check(listening, "voice_agent.py listens")
        caller = Caller("b0b5-$(id)")
        signal, truth = script(caller.rate_in, ["One two three."], gap=5.0)
        if listening:
            run_callers(port, [(caller, signal)])
    finally:
        out = stop_server(app)
    print(out)
    check_named(caller, caller.id, replies(caller.events), truth)
    check_heard(caller, caller.bursts(), ws_seconds(caller), truth)
    check("caller b0b5 turn 1: heard" in out and "$(id)" not in out,
          "it prints the caller's short form, not its id")
    check(app.returncode == 0, "it exits cleanly on SIGINT (%s)" % app.returncode)


CASES = {
    "callers": case_callers,
    "script": case_script,
    "interrupt": case_interrupt,
    "webrtc": case_webrtc,
}


def main():
    if sys.argv[1:] == ["webrtc"] or sys.argv[1:2] == ["--inside"]:
        run_inside(os.path.abspath(__file__), lambda: run_cases(CASES))
    run_cases(CASES)


if __name__ == "__main__":
    main()
