#!/usr/bin/env python3
"""Dependencies go one way: every `#include "folder/file.h"` of src/internal
and plugin names a folder of a lower layer (or its own folder). The layers,
lowest first, are the ones docs/ARCHITECTURE.md draws; folders on one line
are peers and never include each other. Exits non-zero, naming each
violation, when a file includes upward or sideways.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (include root, [layer, ...]); a layer is a list of peer folders.
LAYERS = [
    ("src/internal", [["wire"], ["core"], ["io"], ["http"], ["session"], ["cluster"], ["server"]]),
    ("plugin", [["stream", "rtp"], ["audio"], ["webrtc", "turndetect"], ["properties"],
                ["sessionsrc", "sessionsink", "sessioninfo"], ["sessionbin"], ["."]]),
]

rank = {}
for base, layers in LAYERS:
    offset = len(rank)
    for i, peers in enumerate(layers):
        for folder in peers:
            rank[folder] = (base, offset + i)

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def folder_of(path):
    """The layer folder of a file under src/internal or plugin."""
    for base, _layers in LAYERS:
        prefix = base + "/"
        if path.startswith(prefix):
            rest = path[len(prefix):]
            return rest.split("/")[0] if "/" in rest else "."
    return None


violations = []
files = 0
for base, _layers in LAYERS:
    for dirpath, _dirs, names in os.walk(os.path.join(ROOT, base)):
        for name in names:
            if not name.endswith((".cpp", ".h")):
                continue
            path = os.path.relpath(os.path.join(dirpath, name), ROOT)
            mine = folder_of(path)
            if mine not in rank:
                violations.append("%s: folder %s is in no layer" % (path, mine))
                continue
            files += 1
            text = open(os.path.join(ROOT, path), encoding="utf-8").read()
            for inc in INCLUDE.findall(text):
                if inc.startswith("gst/") or inc in ("config.h",) or "/" not in inc:
                    if "/" not in inc and inc not in ("config.h", "gstsessionctxelements.h"):
                        violations.append("%s: #include \"%s\" names no folder" % (path, inc))
                    continue
                theirs = inc.split("/")[0]
                if theirs not in rank:
                    violations.append("%s: #include \"%s\": folder %s is in no layer"
                                      % (path, inc, theirs))
                    continue
                if theirs == mine:
                    continue
                if rank[theirs][1] >= rank[mine][1]:
                    kind = "sideways" if rank[theirs][1] == rank[mine][1] else "upward"
                    violations.append("%s (%s) includes %s (%s): %s"
                                      % (path, mine, inc, theirs, kind))

for v in violations:
    print(v)
print("%d files checked, %d violations" % (files, len(violations)))
sys.exit(1 if violations else 0)
