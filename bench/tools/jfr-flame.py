#!/usr/bin/env python3
"""Collapsed stacks, top frames and a flame-graph SVG from a JFR recording, for one group of threads.

usage: jfr-flame.py RECORDING.jfr THREAD_PREFIX OUT.svg [TITLE]
Reads `jfr print --json --events jdk.ExecutionSample` (the JDK's own jfr tool, from JAVA_HOME or
PATH), keeps the samples of threads whose name starts with THREAD_PREFIX, prints the top frames
(self and total) on stdout and writes OUT.svg: one box per frame, its width the share of samples.
"""
import json, os, shutil, subprocess, sys, zlib
from collections import Counter
from html import escape

def samples(jfr, prefix):
    tool = os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "jfr")
    tool = tool if os.path.exists(tool) else shutil.which("jfr")
    data = json.loads(subprocess.run([tool, "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample", jfr],
                                     check=True, capture_output=True, text=True).stdout)
    for e in data["recording"]["events"]:
        v = e["values"]
        name = (v.get("sampledThread") or {}).get("javaName") or ""
        if not name.startswith(prefix) or not v.get("stackTrace"):
            continue
        frames = [f"{f['method']['type']['name'].split('.')[-1]}.{f['method']['name']}" for f in v["stackTrace"]["frames"]]
        yield tuple(reversed(frames))  # root first

def main():
    jfr, prefix, out = sys.argv[1:4]
    title = sys.argv[4] if len(sys.argv) > 4 else f"{prefix}* in {os.path.basename(jfr)}"
    stacks = Counter(samples(jfr, prefix))
    n = sum(stacks.values())
    if n == 0:
        sys.exit(f"no execution samples of threads {prefix}*")
    self_c, total_c = Counter(), Counter()
    for s, c in stacks.items():
        self_c[s[-1]] += c
        for f in set(s):
            total_c[f] += c
    print(f"{n} samples of {prefix}*")
    print("| self | total | frame |\n|---:|---:|---|")
    for f, c in self_c.most_common(15):
        print(f"| {100*c/n:.1f} % | {100*total_c[f]/n:.1f} % | `{f}` |")
    # The flame graph: a tree of frames, each box as wide as its samples.
    tree = {}
    for s, c in stacks.items():
        node = tree
        for f in s:
            node = node.setdefault(f, [0, {}])
            node[0] += c
            node = node[1]
    width, row = 1200, 16
    depth = max(len(s) for s in stacks)
    boxes = []
    def draw(children, x, d):
        for f, (c, kids) in sorted(children.items()):
            w = width * c / n
            if w >= 0.5:
                hue = 20 + zlib.crc32(f.encode()) % 40
                y = (depth - d) * row
                label = escape(f) if w > 60 else ""
                boxes.append(f'<g><title>{escape(f)} ({100*c/n:.1f} %)</title><rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row-1}" '
                             f'fill="hsl({hue},85%,60%)"/><text x="{x+3:.1f}" y="{y+12}" font-size="11" font-family="monospace">'
                             f'{label[:int(w/7)]}</text></g>')
                draw(kids, x, d + 1)
            x += w
    draw(tree, 0, 0)
    h = (depth + 2) * row
    with open(out, "w") as o:
        o.write(f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{h+20}" viewBox="0 0 {width} {h+20}">'
                f'<rect width="100%" height="100%" fill="white"/><text x="4" y="14" font-size="13" font-family="sans-serif">'
                f'{escape(title)} - {n} samples; width = share of samples, root at the bottom</text>'
                f'<g transform="translate(0,20)">{"".join(boxes)}</g></svg>\n')

main()
