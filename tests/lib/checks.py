"""Named checks for the Python tests that run cases by name: each check
prints ok/FAIL and is remembered; run_cases() runs the cases asked for on
the command line (all by default), then exits 1 if any check failed."""
import sys
import time

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def run_cases(cases):
    for name in sys.argv[1:] or list(cases):
        print("## %s" % name, flush=True)
        t0 = time.time()
        cases[name]()
        print("## %s: %.1f s" % (name, time.time() - t0), flush=True)
    if failures:
        print("%d failed:" % len(failures))
        for f in failures:
            print("  " + f)
    sys.exit(1 if failures else 0)
