#!/usr/bin/env python3
"""RTT percentiles against session count, as an SVG, from loadgen --json files.

    tests/bench/plot_rtt.py OUT.svg LABEL=run1.json,run2.json,... [LABEL=...]

Each LABEL names one series (e.g. "sessionctx" or "floor-echo"); its JSON
files are loadgen results at different session counts. p50 is drawn dashed,
p99 solid; the y axis is logarithmic (RTT spans 0.3 ms to seconds).
Plain SVG: no plotting library needed.
SPDX-License-Identifier: LGPL-2.1-or-later
"""
import json
import math
import sys

W, H = 720, 440
L, R, T, B = 70, 170, 40, 60
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out = sys.argv[1]
    series = []
    for arg in sys.argv[2:]:
        label, _, files = arg.partition("=")
        points = []
        for f in files.split(","):
            with open(f) as fh:
                r = json.load(fh)
            points.append((r["sessions"], r["rtt_ms"]["p50"], r["rtt_ms"]["p99"],
                           r["frames_lost"]))
        series.append((label, sorted(points)))

    xs = [p[0] for _, pts in series for p in pts]
    ys = [v for _, pts in series for p in pts for v in p[1:3] if v > 0]
    x_max = max(xs) * 1.05
    y_lo = 10 ** math.floor(math.log10(min(ys + [0.5])))
    y_hi = 10 ** math.ceil(math.log10(max(ys + [10])))

    def px(x):
        return L + (W - L - R) * x / x_max

    def py(y):
        y = max(y, y_lo)
        return T + (H - T - B) * (1 - (math.log10(y) - math.log10(y_lo)) /
                                  (math.log10(y_hi) - math.log10(y_lo)))

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{W}" height="{H}" fill="white"/>',
           f'<text x="{W / 2}" y="22" text-anchor="middle" font-size="14">'
           'Echo round trip against concurrent sessions</text>']
    # Axes and grid.
    decade = y_lo
    while decade <= y_hi:
        y = py(decade)
        svg.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W - R}" y2="{y:.1f}" '
                   'stroke="#ddd"/>')
        svg.append(f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end">'
                   f'{decade:g}</text>')
        decade *= 10
    y10 = py(10)
    svg.append(f'<line x1="{L}" y1="{y10:.1f}" x2="{W - R}" y2="{y10:.1f}" '
               'stroke="#888" stroke-dasharray="2,3"/>')
    svg.append(f'<text x="{W - R - 4}" y="{y10 - 4:.1f}" text-anchor="end" '
               'fill="#666">10 ms target</text>')
    step = 10 ** math.floor(math.log10(x_max))
    if x_max / step < 4:
        step /= 2
    x = 0
    while x <= x_max:
        svg.append(f'<line x1="{px(x):.1f}" y1="{H - B}" x2="{px(x):.1f}" '
                   f'y2="{H - B + 5}" stroke="black"/>')
        svg.append(f'<text x="{px(x):.1f}" y="{H - B + 18}" '
                   f'text-anchor="middle">{int(x)}</text>')
        x += step
    svg.append(f'<line x1="{L}" y1="{H - B}" x2="{W - R}" y2="{H - B}" '
               'stroke="black"/>')
    svg.append(f'<line x1="{L}" y1="{T}" x2="{L}" y2="{H - B}" stroke="black"/>')
    svg.append(f'<text x="{(L + W - R) / 2}" y="{H - 18}" '
               'text-anchor="middle">concurrent sessions (20 ms frames each)'
               '</text>')
    svg.append(f'<text x="18" y="{(T + H - B) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 18 {(T + H - B) / 2})">'
               'echo RTT, ms (log)</text>')
    # Series.
    for i, (label, pts) in enumerate(series):
        c = COLORS[i % len(COLORS)]
        for k, dash in ((1, "5,4"), (2, "")):
            path = " ".join(f"{px(p[0]):.1f},{py(p[k]):.1f}" for p in pts)
            svg.append(f'<polyline points="{path}" fill="none" stroke="{c}" '
                       f'stroke-width="2" stroke-dasharray="{dash}"/>')
            for p in pts:
                svg.append(f'<circle cx="{px(p[0]):.1f}" cy="{py(p[k]):.1f}" '
                           f'r="3" fill="{c}"/>')
        ly = T + 20 + 40 * i
        svg.append(f'<line x1="{W - R + 12}" y1="{ly}" x2="{W - R + 36}" '
                   f'y2="{ly}" stroke="{c}" stroke-width="2"/>')
        svg.append(f'<text x="{W - R + 42}" y="{ly + 4}">{label} p99</text>')
        svg.append(f'<line x1="{W - R + 12}" y1="{ly + 16}" x2="{W - R + 36}" '
                   f'y2="{ly + 16}" stroke="{c}" stroke-width="2" '
                   'stroke-dasharray="5,4"/>')
        svg.append(f'<text x="{W - R + 42}" y="{ly + 20}">{label} p50</text>')
    svg.append("</svg>")
    with open(out, "w") as fh:
        fh.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
