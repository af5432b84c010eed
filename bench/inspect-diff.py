#!/usr/bin/env python3
"""Compares the findings of two bench/inspect-top.sh result folders, artifact by artifact.

    bench/inspect-diff.py .bench/inspect-top/before .bench/inspect-top/after

Prints every finding present in one folder and not the other (kind, severity, file, line, evidence), the exit
codes that differ, and the CPU figures of both (seconds per MB of artifact, MB/s per core). Exit status 1 when the
findings differ.
"""
import json, os, sys


def load(folder):
    rows = {}
    for line in open(os.path.join(folder, "timings.tsv")):
        name, size, code, elapsed, cpu = line.rstrip("\n").split("\t")
        try:
            doc = json.load(open(os.path.join(folder, name + ".json")))
            findings = sorted(
                (f["kind"], f["severity"], f["file"], f.get("line") or 0, f["evidence"])
                for f in doc["inspection"]["findings"])
        except Exception:
            findings = None
        rows[name] = (int(size), code, float(cpu), findings)
    return rows


def figures(rows):
    size = sum(r[0] for r in rows.values()) / 2**20
    cpu = sum(r[2] for r in rows.values())
    return f"{len(rows)} artifacts, {size:.1f} MB, {cpu:.1f} s CPU, {cpu / size:.4f} s per MB, {size / cpu:.1f} MB/s"


before, after = load(sys.argv[1]), load(sys.argv[2])
changed = 0
for name in sorted(set(before) | set(after)):
    if name not in before or name not in after:
        print(f"{name}: only in {'after' if name in after else 'before'}")
        changed += 1
        continue
    b, a = before[name], after[name]
    if b[1] != a[1]:
        print(f"{name}: exit {b[1]} -> {a[1]}")
        changed += 1
    if b[3] != a[3]:
        changed += 1
        for f in sorted(set(b[3] or []) - set(a[3] or [])):
            print(f"{name}: - {f}")
        for f in sorted(set(a[3] or []) - set(b[3] or [])):
            print(f"{name}: + {f}")
print("before:", figures(before))
print("after: ", figures(after))
print("artifacts whose findings or exit code differ:", changed)
sys.exit(1 if changed else 0)
