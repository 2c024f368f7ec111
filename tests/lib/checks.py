"""Named checks for the Python tests that run cases by name: each check
prints ok/FAIL and is remembered; run_cases() runs the cases asked for on
the command line (all by default), then exits 1 if any check failed;
`SCRIPT --list` prints the case names instead (list_cases())."""
import sys
import time

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
    return cond


def list_cases(cases):
    """`SCRIPT --list`: the names of @cases (a script's CASES dict), one a
    line, then exit. tests/check_cases.py compares them with the meson
    tests, which tests/list_cases.py read from the same dict."""
    if sys.argv[1:] == ["--list"]:
        print("\n".join(cases), flush=True)
        sys.exit(0)


def run_cases(cases):
    list_cases(cases)
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
