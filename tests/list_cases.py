#!/usr/bin/env python3
"""The case names of one test source, one a line: what tests/meson.build
registers as meson tests. Meson runs it at configure time (run_command);
it reads the file and runs nothing of it. Meson re-runs setup whenever a
file given to run_command changes, so a case added to a source is a meson
test at the next `ninja` / `meson test`.

    list_cases.py FILE.cpp   the path of each g_test_add_func (),
                             g_test_add_data_func (), g_test_add_vtable ()
                             and g_test_add () call, in order
    list_cases.py FILE.py    the keys of the script's module-level
                             CASES = {...} dict, in order

A path must be a string literal, the call's first argument; anything this
script cannot read (a path built at run time, a CASES that is not a dict
of string keys) stops the configuration with the file and line. What it
cannot see at all (a call under #if 0, a case added to CASES later) is
caught by the meson test `cases-agree` (tests/check_cases.py), which
compares every program's own list (`-l`, `--list`) with meson's.
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import ast
import re
import sys

# A call that registers a GLib test case, and its first argument when that
# is one string literal followed by a comma.
CALL = re.compile(r"\bg_test_add(?:_func|_data_func|_vtable)?\s*\(")
LITERAL = re.compile(r'\s*"((?:[^"\\\n]|\\.)*)"\s*,')


def fail(path, text, pos, what):
    line = text.count("\n", 0, pos) + 1
    sys.exit("%s:%d: %s" % (path, line, what))


def strip_comments(text, blank_strings=False):
    """@text with each comment replaced by spaces (newlines kept, so
    offsets and line numbers stay); string and character literals kept,
    or their contents blanked too with @blank_strings."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j]))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            body = text[i + 1:j]
            if blank_strings:
                body = "".join(ch if ch == "\n" else " " for ch in body)
            out.append(c + body + text[j:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def c_cases(path):
    source = open(path, encoding="utf-8").read()
    text = strip_comments(source)
    # Calls are looked for in code only, not inside string literals.
    code = strip_comments(source, blank_strings=True)
    cases = []
    for call in CALL.finditer(code):
        m = LITERAL.match(text, call.end())
        if not m:
            fail(path, text, call.start(), "the case path of %s is not a string "
                 "literal: write it out so meson can read it" % call.group(0).rstrip(" ("))
        cases.append((m.group(1), call.start()))
    return [check_path(path, text, p, pos) for p, pos in cases]


def check_path(path, text, case, pos):
    if not re.fullmatch(r"(/[A-Za-z0-9_.-]+)+", case):
        fail(path, text, pos, "%r: a case path is /word/word..., of letters, "
             "digits, '_', '-' and '.'" % case)
    return case


def py_cases(path):
    text = open(path, encoding="utf-8").read()
    tree = ast.parse(text, path)
    found = [node for node in tree.body if isinstance(node, ast.Assign)
             and any(isinstance(t, ast.Name) and t.id == "CASES" for t in node.targets)]
    if len(found) != 1:
        sys.exit("%s: %d module-level CASES = {...} assignments, not one"
                 % (path, len(found)))
    value = found[0].value
    if not isinstance(value, ast.Dict):
        sys.exit("%s:%d: CASES is not a dict literal" % (path, value.lineno))
    cases = []
    for key in value.keys:
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            sys.exit("%s:%d: a key of CASES is not a string literal"
                     % (path, getattr(key, "lineno", value.lineno)))
        if not re.fullmatch(r"[A-Za-z0-9_.-]+", key.value):
            sys.exit("%s:%d: %r: a case name is letters, digits, '_', '-' and '.'"
                     % (path, key.lineno, key.value))
        cases.append(key.value)
    return cases


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: list_cases.py FILE.cpp|FILE.py")
    path = sys.argv[1]
    cases = py_cases(path) if path.endswith(".py") else c_cases(path)
    if not cases:
        sys.exit("%s: no test case found" % path)
    seen = set()
    for case in cases:
        if case in seen:
            sys.exit("%s: case %s registered twice" % (path, case))
        seen.add(case)
    print("\n".join(cases))


if __name__ == "__main__":
    main()
