#!/usr/bin/env python3
"""The Markdown table of a run_load.sh sweep: sessionctx against floor-echo
at each session count, with the server's CPU per echoed frame and its ratio
to the floor's in the same run ("saturated" where frames were not echoed).

usage: load_table.py OUT COUNT...   (OUT holds sessionctx-N.json, floor-N.json)
"""
import json
import os
import sys


def load(out, name, n):
    path = os.path.join(out, f"{name}-{n}.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        return json.load(f)


def per_frame_us(r):
    got = r["frames_received"]
    return r["server"]["cpu_s"] / got * 1e6 if got else float("nan")


def main():
    out, counts = sys.argv[1], sys.argv[2:]
    print("| sessions | server | frames sent | echoed | lost | handshake failures "
          "| RTT p50 ms | p99 ms | max ms | server CPU % | CPU per frame µs "
          "| × floor |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
          "| ---: | ---: |")
    for n in counts:
        ours, floor = load(out, "sessionctx", n), load(out, "floor", n)
        for name, r in (("sessionctx", ours), ("floor-echo", floor)):
            if r is None:
                continue
            # A server that fell behind has CPU for frames it never echoed:
            # its CPU per echoed frame means nothing, nor a ratio to it.
            behind = r["frames_lost"] > 0
            us = per_frame_us(r)
            per_frame = "saturated" if behind else f"{us:.2f}"
            ratio = ""
            if name == "sessionctx" and floor is not None and not behind \
                    and floor["frames_lost"] == 0:
                ratio = f"{us / per_frame_us(floor):.2f}"
            rtt = r["rtt_ms"]
            print(f"| {n} | {name} | {r['frames_sent']:,} | {r['frames_received']:,} "
                  f"| {r['frames_lost']:,} | {r['handshake_failures']} "
                  f"| {rtt['p50']:.2f} | {rtt['p99']:.2f} | {rtt['max']:.2f} "
                  f"| {r['server']['cpu_percent']:.1f} | {per_frame} | {ratio} |")


if __name__ == "__main__":
    main()
