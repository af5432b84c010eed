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
Each squat-shaped name also gets a finer shape, for reporting: for one edit, what the edit is (transposition,
doubled letter, dropped letter, inserted letter, look-alike character such as a digit for a letter, keyboard
neighbour, other substitution, separator) and whether the target is short (4-5 characters); for an affix, which
kind of word (python/py prefix, a generic word, a digit or version).
Usage: squat_shaped.py TOP_JSON NAMES_FILE [N]  -> prints "name<TAB>rule<TAB>target<TAB>shape" for squat-shaped
names (rule: edit1, edit2 or affix).
"""
import json, re, sys

# Generic words squatters glue to a popular name: the list (python-, py, -lib, -dev, -utils, -sdk, -api,
# 2/3, -python, -py) and a few more of the same kind. Not derived from the detector's tables.
AFFIXES = ["py", "python", "python2", "python3", "py2", "py3", "lib", "libs", "library", "dev", "util", "utils",
           "sdk", "api", "tool", "tools", "client", "core", "2", "3", "x", "ng", "plus", "pro", "cli", "pkg",
           "package", "official", "new", "module", "v2", "v3",
           # Added for issue #18 (seen in the held-out misses): helper words and release words.
           "helper", "helpers", "latest"]
KEYBOARD = ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"]
LOOKALIKE = [set(p) for p in ("0o", "1l", "1i", "li", "5s", "3e", "4a", "7t", "qg", "uv", "mn", "ce")]


def affix_cores(m):
    """m with one affix removed from the front and/or one from the back (with or without a separator)."""
    fronts = [m] + [m[len(a):].lstrip("-") for a in AFFIXES if m.startswith(a) and len(m) > len(a)]
    out = []
    for f in fronts:
        out += [f[:-len(a)].rstrip("-") for a in AFFIXES if f.endswith(a) and len(f) > len(a)]
    return [c for c in fronts[1:] + out if c and c != m]

def keyboard_neighbours(a, b):
    for r, row in enumerate(KEYBOARD):
        if a in row:
            c = row.index(a)
            return any(0 <= r + dr < len(KEYBOARD) and 0 <= c + dc < len(KEYBOARD[r + dr])
                       and KEYBOARD[r + dr][c + dc] == b for dr in (-1, 0, 1) for dc in (-1, 0, 1))
    return False

def one_edit_shape(m, t):
    """What the single edit turning t into m is (both names one OSA edit apart)."""
    if m.replace("-", "") == t.replace("-", ""): return "separator"
    if len(m) == len(t):
        diff = [i for i in range(len(m)) if m[i] != t[i]]
        if len(diff) == 2: return "transposition"
        a, b = t[diff[0]], m[diff[0]]
        if {a, b} in LOOKALIKE: return "look-alike"
        return "keyboard" if keyboard_neighbours(a, b) else "substitution"
    if len(m) > len(t):
        i = next((i for i in range(len(t)) if m[i] != t[i]), len(t))
        return "doubled" if (i > 0 and m[i - 1] == m[i]) or (i + 1 < len(m) and m[i + 1] == m[i]) else "inserted"
    return "dropped"

def affix_shape(m, t):
    rest = m.replace(t, " ", 1).replace("-", "").split(" ")
    words = [w for w in rest if w]
    if all(re.fullmatch(r"v?\d", w) for w in words): return "digit"
    if any(w.startswith("py") for w in words[:1]) and m.find(t) > 0: return "python-prefix"
    return "word"

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
            t = hit[0]
            shape = f"edit1:{one_edit_shape(m, t)}" if hit[1] == 1 else "edit2"
            if len(t.replace("-", "")) <= 5: shape += ":short"
            print(f"{m}\tedit{hit[1]}\t{t}\t{shape}"); continue
        for t in affix_cores(m):
            if len(t) >= 4 and t in top_set:
                hit = t; break
        if hit:
            print(f"{m}\taffix\t{hit}\taffix:{affix_shape(m, hit)}")

main()
