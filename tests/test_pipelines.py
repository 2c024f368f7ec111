#!/usr/bin/env python3
"""The applications under pipelines/ run: record_sessions.py writes one WAV
per session named after its id, session_levels.py logs levels with the
session's context."""
import glob
import json
import os
import subprocess
import sys
import tempfile
import time
import wave

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from servers import free_port, wait_listening  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLIENT = os.path.join(ROOT, "tests", "clients", "fastrtc_ws_client.py")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)




def client(url, *args):
    return subprocess.run([sys.executable, CLIENT, url, "--seconds", "1"] + list(args),
                          capture_output=True, text=True, timeout=60)


def test_recorder():
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        app = subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "pipelines", "record_sessions.py"),
             "--port", str(port), "--address", "127.0.0.1", "--dir", d, "--seconds", "30"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        check(wait_listening(port), "recorder listens")
        client("ws://127.0.0.1:%d/websocket/offer" % port, "--id", "alice")
        client("ws://127.0.0.1:%d/telephone/handler" % port, "--twilio", "--id", "MZbob")
        time.sleep(1)
        app.send_signal(2)
        out, _ = app.communicate(timeout=30)
        print(out)
        for ident in ("alice", "MZbob"):
            files = glob.glob(os.path.join(d, "session-%s-*.wav" % ident))
            check(len(files) == 1, "one WAV for %s" % ident)
            if files:
                with wave.open(files[0]) as w:
                    seconds = w.getnframes() / w.getframerate()
                    check(w.getframerate() == 48000 and w.getnchannels() == 1,
                          "%s: 48 kHz mono" % ident)
                    check(0.95 <= seconds <= 1.1, "%s: %.3f s recorded" % (ident, seconds))
        check(app.returncode == 0, "recorder exits cleanly")


def test_levels():
    port = free_port()
    app = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "pipelines", "session_levels.py"),
         "--port", str(port), "--address", "127.0.0.1", "--interval", "0.2",
         "--seconds", "30"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    check(wait_listening(port), "level logger listens")
    client("ws://127.0.0.1:%d/websocket/offer" % port, "--id", "carol")
    time.sleep(0.5)
    app.send_signal(2)
    out, _ = app.communicate(timeout=30)
    lines = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    levels = [l for l in lines if "rms_db" in l]
    check(len(levels) >= 3, "%d level lines" % len(levels))
    check(all(l["session"] == "carol" and l["transport"] == "websocket" and
              l["remote"].startswith("127.0.0.1:") for l in levels), "levels carry the context")
    # An 8000-amplitude sine: RMS = 20*log10(8000/sqrt(2)/32768) = -15.2 dB.
    check(all(abs(l["rms_db"] + 15.2) < 1.0 for l in levels[1:-1]), "tone level -15 dB")
    check({"session": "carol", "ended": "stop"} in lines, "session end logged")


def test_record_sh():
    """pipelines/record.sh: one gst-launch line, one WAV per session named
    after its sanitized id, complete after Ctrl-C (-e)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, PORT=str(port))
        app = subprocess.Popen([os.path.join(ROOT, "pipelines", "record.sh"), d],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=env)
        check(wait_listening(port, proc=app), "record.sh listens")
        client("ws://127.0.0.1:%d/websocket/offer" % port, "--id", "dave/../x")
        time.sleep(0.5)
        app.send_signal(2)
        out, _ = app.communicate(timeout=30)
        files = sorted(os.listdir(d))
        check(files == ["rec-dave____x.wav"], "record.sh wrote %s" % files)
        if files:
            with wave.open(os.path.join(d, files[0])) as w:
                seconds = w.getnframes() / w.getframerate()
            check(0.95 <= seconds <= 1.1, "record.sh: %.3f s recorded" % seconds)


def test_fastrtc_handler():
    """pipelines/fastrtc_handler.py: the Python handler runs per session and
    its output (half the volume) comes back to that client."""
    port = free_port()
    app = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "pipelines", "fastrtc_handler.py"),
         "--port", str(port), "--address", "127.0.0.1", "--seconds", "30"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    check(wait_listening(port, proc=app), "fastrtc_handler.py listens")
    r = client("ws://127.0.0.1:%d/websocket/offer" % port, "--id", "erin")
    try:
        result = json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {}
    check(abs(result.get("heard_hz", 0) - 440) < 10, "handler output heard: %s" % result)
    app.send_signal(2)
    out, _ = app.communicate(timeout=30)
    check("session erin: " in out and "chunks handled" in out,
          "the handler ran for erin: %s" % out.strip().splitlines()[-3:])


def test_transcribe():
    """pipelines/transcribe.py: each recognized line names its session (no
    words asserted: pocketsphinx's accuracy is not ours to promise)."""
    port = free_port()
    wav = os.path.join(tempfile.mkdtemp(), "speech.wav")
    subprocess.run(["espeak-ng", "-w", wav, "one two three"], check=True)
    app = subprocess.Popen(
        [sys.executable, os.path.join(ROOT, "pipelines", "transcribe.py"),
         "--port", str(port), "--address", "127.0.0.1", "--digits", "--seconds", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    check(wait_listening(port, timeout=20, proc=app), "transcribe.py listens")
    wav_client = os.path.join(ROOT, "tests", "clients", "wav_client.py")
    procs = [subprocess.Popen([sys.executable, wav_client,
                               "ws://127.0.0.1:%d/websocket/offer" % port, wav,
                               "--id", ident, "--speed", "4"], stdout=subprocess.PIPE)
             for ident in ("frank", "grace")]
    for p in procs:
        p.communicate(timeout=60)
    time.sleep(1)
    app.send_signal(2)
    out, _ = app.communicate(timeout=60)
    lines = [l for l in out.splitlines() if ": " in l and not l.startswith("transcribing")]
    print("\n".join(lines))
    speakers = {l.split(": ", 1)[0] for l in lines}
    check(speakers == {"frank", "grace"}, "who said something: %s" % speakers)


test_recorder()
test_levels()
test_record_sh()
test_fastrtc_handler()
test_transcribe()
sys.exit(1 if failures else 0)
