#!/usr/bin/env python3
"""The meson test `cases-agree`: every case a test program knows is a meson
test, once, and every meson test of a case names one the program knows.

tests/meson.build reads the cases from the sources at configure time
(tests/list_cases.py); this asks the built programs themselves, from what
meson registered (meson-info/intro-tests.json):

- a GLib test program (a test run as `PROGRAM -p PATH`): `PROGRAM -l`;
- a Python script run as `python3 SCRIPT.py CASE`: `SCRIPT.py --list`
  (tests/lib/checks.py's list_cases()).

So a case the reader cannot see (registered under #if 0, or in a loop, a
CASES dict changed after its definition) fails here instead of never
running. Also fails on two meson tests of the same name.

    check_cases.py --build-dir BUILD_DIR
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import collections
import json
import os
import subprocess
import sys

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def listed(cmd):
    """The case names @cmd prints (GLib's -l: the lines that are paths)."""
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, timeout=60)
    if out.returncode != 0:
        check(False, "%s exited with %d: %s" % (" ".join(cmd), out.returncode,
                                                 out.stderr.strip()[-2000:]))
        return []
    lines = [line.strip() for line in out.stdout.splitlines()]
    if "-l" in cmd:
        return [line for line in lines if line.startswith("/")]
    return [line for line in lines if line]


def compare(what, registered, known):
    """@registered: the cases meson runs of @what; @known: its own list."""
    problems = []
    for name, cases in (("registered twice in meson", registered), ("known twice", known)):
        dup = sorted(c for c, n in collections.Counter(cases).items() if n > 1)
        if dup:
            problems.append("%s: %s" % (name, " ".join(dup)))
    missing = sorted(set(known) - set(registered))
    if missing:
        problems.append("not a meson test: " + " ".join(missing))
    unknown = sorted(set(registered) - set(known))
    if unknown:
        problems.append("meson tests of no case it knows: " + " ".join(unknown))
    check(not problems, "%s: its %d cases are its %d meson tests%s"
          % (what, len(known), len(registered), "".join("; " + p for p in problems)))


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "--build-dir":
        sys.exit("usage: check_cases.py --build-dir BUILD_DIR")
    build = sys.argv[2]
    with open(os.path.join(build, "meson-info", "intro-tests.json")) as f:
        tests = json.load(f)

    names = collections.Counter(t["name"] for t in tests)
    dup = sorted(n for n, k in names.items() if k > 1)
    check(not dup, "%d meson tests, no two of the same name%s"
          % (len(tests), " (twice: %s)" % " ".join(dup) if dup else ""))

    programs = collections.defaultdict(list)   # GLib program -> [path]
    scripts = collections.defaultdict(list)    # (python, script) -> [case]
    for t in tests:
        cmd = t["cmd"]
        if len(cmd) == 3 and cmd[1] == "-p":
            programs[cmd[0]].append(cmd[2])
        elif len(cmd) == 3 and cmd[1].endswith(".py") and not cmd[2].startswith("-"):
            scripts[(cmd[0], cmd[1])].append(cmd[2])

    check(len(programs) > 0 and len(scripts) > 0,
          "found %d GLib test programs and %d Python scripts run by case"
          % (len(programs), len(scripts)))
    for program, paths in sorted(programs.items()):
        compare(os.path.relpath(program, build), paths, listed([program, "-l"]))
    for (python, script), cases in sorted(scripts.items()):
        compare(os.path.basename(script), cases, listed([python, script, "--list"]))

    print("%d failure(s)" % len(failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
