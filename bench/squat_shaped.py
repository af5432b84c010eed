#!/usr/bin/env python3
"""Which names of a list are "squat-shaped": a definition made independently of AlterKS's detector.

A name (PEP 503 normalised) is squat-shaped when it is NOT itself one of the 15,000 names of the top list, and
  (edit)   its optimal-string-alignment Damerau distance to some top-N name t is 1 with len(t) >= 4,
           or 2 with len(t) >= 8 (at most a quarter of a long name changed); or
  (affix)  it is a top-N name t with len(t) >= 4 with one generic affix from the fixed vocabulary below
           before and/or after it, with or without a separator (`python-t`, `pyt`, `t-lib`, `t2`, `py-t-utils`).
Plugin-style names (`t-anything`, `anything-t`) are NOT squat-shaped: they cannot be told from the thousands of
legitimate add-ons (`flask-cors`, `django-*`) by name alone.
N is 5,000 (the ranks the FP figure treats as candidates start at 5,001).
Usage: squat_shaped.py TOP_JSON NAMES_FILE [N]  -> prints "name<TAB>rule<TAB>target" for squat-shaped names.
"""
import json, re, sys

# Generic words squatters glue to a popular name: the list (python-, py, -lib, -dev, -utils, -sdk, -api,
# 2/3, -python, -py) and a few more of the same kind. Not derived from the detector's tables.
AFFIXES = ["py", "python", "python2", "python3", "py2", "py3", "lib", "libs", "library", "dev", "util", "utils",
           "sdk", "api", "tool", "tools", "client", "core", "2", "3", "x", "ng", "plus", "pro", "cli", "pkg",
           "package", "official", "new", "module", "v2", "v3"]


def affix_cores(m):
    """m with one affix removed from the front and/or one from the back (with or without a separator)."""
    fronts = [m] + [m[len(a):].lstrip("-") for a in AFFIXES if m.startswith(a) and len(m) > len(a)]
    out = []
    for f in fronts:
        out += [f[:-len(a)].rstrip("-") for a in AFFIXES if f.endswith(a) and len(f) > len(a)]
    return [c for c in fronts[1:] + out if c and c != m]

def norm(n): return re.sub(r"[-_.]+", "-", n).lower()

def osa(a, b):
    n, m = len(a), len(b)
    prev2, prev = None, list(range(m + 1))
    for i in range(1, n + 1):
        cur = [i] + [0] * m
        for j in range(1, m + 1):
            c = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + c)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[m]

def deletes(s, k):
    out, frontier = {s}, {s}
    for _ in range(k):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        out |= frontier
    return out

def main():
    rows = json.load(open(sys.argv[1]))["rows"]
    n_top = int(sys.argv[3]) if len(sys.argv) > 3 else 5000
    listed = {norm(r["project"]) for r in rows}
    top = [norm(r["project"]) for r in rows[:n_top]]
    top_set = set(top)
    dmap = {}
    for t in top:
        if len(t) < 4: continue
        for d in deletes(t, 2 if len(t) >= 8 else 1):
            dmap.setdefault(d, []).append(t)
    for line in open(sys.argv[2], encoding="utf-8"):
        raw = line.strip().split("\t")[-1]
        if not raw or raw == "name": continue
        m = norm(raw)
        if m in listed: continue
        hit = None
        for d in deletes(m, 2):
            for t in dmap.get(d, ()):
                dist = osa(m, t)
                if 0 < dist <= (2 if len(t) >= 8 else 1) and (hit is None or dist < hit[1]):
                    hit = (t, dist)
        if hit:
            print(f"{m}\tedit{hit[1]}\t{hit[0]}"); continue
        for t in affix_cores(m):
            if len(t) >= 4 and t in top_set:
                hit = t; break
        if hit:
            print(f"{m}\taffix\t{hit}")

main()
