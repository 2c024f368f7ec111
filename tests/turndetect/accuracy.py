#!/usr/bin/env python3
"""How well `turndetect` finds turns: espeak-ng utterances between pauses
(1.5 s; six sentences and digits said one by one), with and without steady noise, and noise alone, through the
element as fast as it runs (tests/lib/turnrun.py). For each condition: turns
found per utterance, false turns, onset and offset error against the
utterance's true bounds (first and last sample above 1 % of its peak), and
when the turn was pushed after the caller stopped (hold mode: the first
when the turn ended: how far the input had come when turn-ended was
posted, minus the true end).

    accuracy.py              the README's tables: each speech level and noise
                             over five rates (8, 16, 24, 44.1, 48 kHz), then
                             noise alone
    accuracy.py --full       a row per rate as well
    accuracy.py --long       noise alone only: 5 minutes of each of eight
                             kinds, two seeds, at 48 and 8 kHz (160 minutes)
    accuracy.py --check      fewer conditions; exit 1 unless every bound holds
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import speech  # noqa: E402
import turnrun  # noqa: E402

# What --check asserts (seconds).
ONSET = (-0.20, 0.10)     # turn start - true start (pre-roll makes it early)
OFFSET = (-0.15, 0.15)    # turn end - true end
DURATION = 0.35           # |turn duration - true duration|
DECIDED = (0.5, 0.8)      # pushed after the true end


def utterances(rate, level, seed):
    """speech.TEXTS in a shuffled order, and digits said one by one (each
    word alone, 0.35 s between them: short bursts, which a turn must
    gather)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(speech.TEXTS))
    utts = [speech.synth(speech.TEXTS[i], speech.VOICES[k % len(speech.VOICES)], rate, level)
            for k, i in enumerate(order)]
    gap = np.zeros(int(0.35 * rate))
    words = [speech.synth(w, "en-us", rate, level) for w in ("One.", "Two.", "Three.")]
    utts.insert(2, np.concatenate([words[0], gap, words[1], gap, words[2]]))
    return utts


def speech_condition(rate, level, kind, noise_level, seed=1):
    utts = utterances(rate, level, seed)
    x, truth = speech.scene(utts, rate)
    if kind != "none":
        x = x + speech.noise(kind, len(x), rate, noise_level, np.random.default_rng(seed))
    run = turnrun.run(speech.to_s16(x), rate)
    rows = {"utterances": len(truth), "turns": len(run.ended), "missed": 0, "split": 0,
            "false": 0, "onset": [], "offset": [], "duration": [], "decided": [],
            "errors": run.errors}
    matched = set()
    for a, b in truth:
        mine = [i for i, (_t, s, e, _r) in enumerate(run.ended) if s < b and e > a]
        matched.update(mine)
        if not mine:
            rows["missed"] += 1
            continue
        if len(mine) > 1:
            rows["split"] += 1
        s, e = run.ended[mine[0]][1], run.ended[mine[-1]][2]
        rows["onset"].append(s - a)
        rows["offset"].append(e - b)
        rows["duration"].append(abs((e - s) - (b - a)))
        turn = run.ended[mine[-1]][0]
        if turn in run.decided:
            rows["decided"].append(run.decided[turn] - b)
    rows["false"] = len(run.ended) - len(matched)
    return rows


def noise_condition(rate, kind, level, seconds=60, seed=2):
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    if kind.startswith("clicks"):
        per_second = float(kind.split("-")[1].split("+")[0])
        x = speech.clicks(n, rate, per_second, level, rng)
        if kind.endswith("+white"):
            x += speech.noise("white", n, rate, -45, rng)
    else:
        x = speech.noise(kind, n, rate, level, rng)
    run = turnrun.run(speech.to_s16(x), rate)
    return {"seconds": seconds, "false": len(run.ended), "errors": run.errors}


def fmt_range(values):
    if not values:
        return "-"
    return "%+.2f / %+.2f / %+.2f" % (min(values), float(np.median(values)), max(values))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--full", action="store_true")
    parser.add_argument("--long", action="store_true")
    args = parser.parse_args()

    if args.long:
        total = minutes = 0
        print("| rate | noise alone | seeds | minutes | false turns |")
        print("| ---: | --- | ---: | ---: | ---: |")
        for rate in (48000, 8000):
            for kind, level in (("white", -35), ("pink", -35), ("brown", -35), ("hum", -35),
                                ("white", -30), ("pink", -30), ("clicks-3+white", -6),
                                ("clicks-5", -6)):
                found = sum(noise_condition(rate, kind, level, 300, seed)["false"]
                            for seed in (11, 12))
                total += found
                minutes += 10
                print("| %d | %s %d | 2 | 10 | %d |" % (rate, kind, level, found), flush=True)
        print("\n%d false turns in %d minutes of noise" % (total, minutes))
        return

    if args.check:
        rates = [48000, 8000, 24000]
        levels = [-20]
        noises = [("none", None), ("white", -35), ("pink", -35)]
        noise_only = [("white", -35), ("pink", -35), ("brown", -35), ("clicks-2", -6)]
        seconds = 30
    else:
        rates = [48000, 16000, 8000, 24000, 44100]
        levels = [-20, -26]
        noises = [("none", None), ("white", -35), ("pink", -35), ("brown", -35),
                  ("hum", -35), ("white", -30)]
        noise_only = [("white", -35), ("pink", -35), ("brown", -35), ("hum", -35),
                      ("white", -30), ("pink", -30), ("clicks-1", -6), ("clicks-3", -6),
                      ("clicks-3+white", -6)]
        seconds = 60

    failures = []
    header = ("| %s | speech dBFS | noise | utterances | turns | missed | split | false "
              "| onset s (min / median / max) | offset s | max duration error s "
              "| decided after the end s |")
    rule = "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | --- |"
    if args.full or args.check:
        print(header % "rate")
        print(rule)
    summary = {}
    for rate in rates:
        for level in levels:
            for kind, nlevel in noises:
                r = speech_condition(rate, level, kind, nlevel)
                name = kind if kind == "none" else "%s %d dBFS" % (kind, nlevel)
                if args.full or args.check:
                    print("| %d | %d | %s | %d | %d | %d | %d | %d | %s | %s | %.2f | %s |" % (
                        rate, level, name, r["utterances"], r["turns"], r["missed"],
                        r["split"], r["false"], fmt_range(r["onset"]),
                        fmt_range(r["offset"]),
                        max(r["duration"]) if r["duration"] else float("nan"),
                        fmt_range(r["decided"])), flush=True)
                total = summary.setdefault((level, name), {})
                for key, value in r.items():
                    if isinstance(value, list):
                        total.setdefault(key, []).extend(value)
                    else:
                        total[key] = total.get(key, 0) + value
                where = "%d Hz, speech %d dBFS, %s" % (rate, level, name)
                if r["errors"]:
                    failures.append("%s: %s" % (where, r["errors"]))
                if r["missed"] or r["split"] or r["false"]:
                    failures.append("%s: missed %d, split %d, false %d" % (
                        where, r["missed"], r["split"], r["false"]))
                for what, values, (lo, hi) in (("onset", r["onset"], ONSET),
                                               ("offset", r["offset"], OFFSET),
                                               ("decided", r["decided"], DECIDED)):
                    bad = [round(v, 3) for v in values if not lo <= v <= hi]
                    if bad:
                        failures.append("%s: %s outside [%g, %g]: %s" % (where, what, lo, hi, bad))
                bad = [round(v, 3) for v in r["duration"] if v > DURATION]
                if bad:
                    failures.append("%s: duration error over %g: %s" % (where, DURATION, bad))

    if not args.check:
        print(header % "rates")
        print(rule)
        for (level, name), r in summary.items():
            print("| all %d | %d | %s | %d | %d | %d | %d | %d | %s | %s | %.2f | %s |" % (
                len(rates), level, name, r["utterances"], r["turns"], r["missed"],
                r["split"], r["false"], fmt_range(r["onset"]), fmt_range(r["offset"]),
                max(r["duration"]) if r["duration"] else float("nan"),
                fmt_range(r["decided"])), flush=True)
    print()
    print("| rate | noise alone | seconds | false turns |")
    print("| ---: | --- | ---: | ---: |")
    for rate in rates[:2]:
        for kind, level in noise_only:
            r = noise_condition(rate, kind, level, seconds)
            name = ("%s/s, peaks %d dBFS" % (kind.replace("-", " ").replace("+white", ""), level)
                    + (", over white noise -45 dBFS" if kind.endswith("+white") else "")
                    if kind.startswith("clicks") else "%s %d dBFS" % (kind, level))
            print("| %d | %s | %d | %d |" % (rate, name, r["seconds"], r["false"]), flush=True)
            if r["false"] or r["errors"]:
                failures.append("%d Hz, %s alone: %d turns %s" % (rate, name, r["false"],
                                                                  r["errors"]))

    if args.check:
        print()
        for f in failures:
            print("FAIL " + f)
        print("%d passed, %d failed" % (0 if failures else 1, 1 if failures else 0))
        sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
