#!/usr/bin/env bash
# Accuracy and speed of `alterks typosquat` on the shared data. Figures, not tests: see docs/heuristics.md.
#   bench/typosquat-accuracy.sh [ALTERKS_BINARY]   (default: .build-release/release/alterks; build it with
#   `swift build -c release --scratch-path .build-release`)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-.build-release/release/alterks}
DATA=${SHARED_DATA:-../shared/data}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# 1. Squat-shaped malicious names (definition in bench/squat_shaped.py, independent of the detector).
python3 bench/squat_shaped.py "$DATA/top-pypi-packages.json" "$DATA/malicious-pypi.tsv" > "$TMP/shaped.tsv"
cut -f1 "$TMP/shaped.tsv" > "$TMP/shaped.txt"
# 2. Ranks 5,001-15,000 of the top list, as candidates.
python3 -c 'import json,sys; [print(r["project"]) for r in json.load(open(sys.argv[1]))["rows"][5000:15000]]' \
    "$DATA/top-pypi-packages.json" > "$TMP/mid.txt"

run() { "$BIN" typosquat "$@" || [ $? -eq 1 ]; }
run --file "$TMP/shaped.txt" > "$TMP/shaped.jsonl"
run --file "$TMP/mid.txt" > "$TMP/mid.jsonl"
run --ignore-own-popularity --file "$TMP/mid.txt" > "$TMP/mid-blind.jsonl"
/usr/bin/time -v "$BIN" typosquat --file "$DATA/pypi-names-sample.txt" > "$TMP/sample.jsonl" 2> "$TMP/time.txt" \
    || [ $? -eq 1 ]

python3 - "$TMP" <<'PY'
import json, sys, collections, hashlib
tmp = sys.argv[1]
def load(name):
    return [json.loads(l) for l in open(f"{tmp}/{name}.jsonl")]
rows = {l.split("\t")[0]: l.rstrip("\n").split("\t") for l in open(f"{tmp}/shaped.tsv")}
# The split the scores were fitted on (docs/heuristics.md): names whose sha256 starts with an even byte are the
# fitted half, odd the held-out half — of the malicious names and of the random names alike.
def half(name): return "held-out" if hashlib.sha256(name.encode()).digest()[0] & 1 else "fitted"
def rate(rows):
    n = sum(r["verdict"] == "squat" for r in rows)
    return f"{n}/{len(rows)} = {100 * n / max(1, len(rows)):.2f}%"
def halves(rows, key=lambda r: r["normalized"]):
    by = collections.defaultdict(list)
    for r in rows: by[half(key(r))].append(r)
    return f"fitted half {rate(by['fitted'])}, held-out half {rate(by['held-out'])}"
shaped = load("shaped")
print("recall, squat-shaped malicious names:", rate(shaped), f"({halves(shaped)})")
one = [r for r in shaped if rows[r["normalized"]][1] != "edit2"]
print("  one edit or generic words (edit1 + affix):", rate(one), f"({halves(one)})")
by = collections.defaultdict(list)
for r in shaped:
    rule, shape = rows[r["normalized"]][1], rows[r["normalized"]][3]
    by[rule].append(r)
    if shape != rule: by[shape].append(r)
    if shape.endswith(":short"): by["edit1:any:short"].append(r)
for k in sorted(by): print(f"  {k}: {rate(by[k])}")
missed = [r["normalized"] + "~" + rows[r["normalized"]][2] for r in shaped if r["verdict"] != "squat"]
print("  missed:", " ".join(missed))
print("false positives, top-list ranks 5,001-15,000:", rate(load("mid")))
print("  ... ignoring each name's own download count (rules alone):", rate(load("mid-blind")))
sample = load("sample")
print("flagged, pypi-names-sample.txt (100,000 random names):", rate(sample), f"({halves(sample)})")
print("  by kind:", dict(collections.Counter(r["kind"] for r in sample if r["verdict"] == "squat").most_common()))
t = {l.split(": ", 1)[0].strip(): l.split(": ", 1)[1].strip() for l in open(f"{tmp}/time.txt") if ": " in l}
secs = t["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":")
wall = sum(float(x) * 60 ** i for i, x in enumerate(reversed(secs)))
cpu = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
print(f"throughput: {len(sample)} names in {wall:.2f} s wall = {len(sample) / wall:,.0f} names/s "
      f"({cpu:.2f} s CPU = {len(sample) / cpu:,.0f} names per CPU-second, index build included); "
      f"peak RSS {int(t['Maximum resident set size (kbytes)']) / 1024:.1f} MiB")
PY
