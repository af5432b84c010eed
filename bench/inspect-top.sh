#!/usr/bin/env bash
# Inspection accuracy and speed on real artifacts: the wheels (pip download --no-deps) and sdists of the N
# most-downloaded PyPI projects (default 200, from ../shared/data/top-pypi-packages.json), each inspected with
# `alterks inspect --format json`. Network is used here only, never in the tests.
#
#   bench/inspect-top.sh [N]        results in .bench/inspect-top/{wheels,sdists,results}, summary on stdout
#
# ALTERKS=path inspects with that binary instead of building one; RESULTS=name writes .bench/inspect-top/NAME
# (default results); OFFLINE=1 skips the downloads (inspects what is there); JOBS=n inspects n artifacts at once (CPU time is per process, so the figures do not change).
# bench/inspect-diff.py compares the findings of two result folders.
#
# Sdists are fetched from the index's JSON API with their sha256 checked (pip download would run their build
# backend to read metadata: code we do not want to run). Downloads are kept, so a second run only inspects.
set -euo pipefail
N="${1:-200}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$ROOT/.bench/inspect-top"
TOP="$ROOT/../shared/data/top-pypi-packages.json"
[ -f "$TOP" ] || TOP=/work/shared/data/top-pypi-packages.json
RESULTS="$OUT/${RESULTS:-results}"
JOBS="${JOBS:-1}"
mkdir -p "$OUT/wheels" "$OUT/sdists" "$RESULTS"

python3 - "$TOP" "$N" >"$OUT/projects.txt" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["rows"][: int(sys.argv[2])]
print("\n".join(r["project"] for r in rows))
PY

if [ -z "${OFFLINE:-}" ]; then
echo "== downloading $(wc -l <"$OUT/projects.txt") projects into $OUT" >&2
: >"$OUT/download-failures.txt"
while read -r name; do
    if ! ls "$OUT/wheels" | grep -qi "^$(echo "$name" | tr -- '-.' '__')-"; then
        # The environment's PIP_FIND_LINKS points at a local wheel folder: ask the index only.
        env -u PIP_FIND_LINKS pip download --no-deps --only-binary :all: --quiet -d "$OUT/wheels" "$name" \
            >/dev/null 2>&1 || echo "wheel $name" >>"$OUT/download-failures.txt"
    fi
done <"$OUT/projects.txt"

python3 - "$OUT" <<'PY' || true
import hashlib, json, os, sys, urllib.parse, urllib.request
out = sys.argv[1]
def fail(message):
    open(os.path.join(out, "download-failures.txt"), "a").write(message + "\n")
for name in open(os.path.join(out, "projects.txt")).read().split():
    try:
        index = f"https://pypi.org/pypi/{name}/json"
        meta = json.load(urllib.request.urlopen(index, timeout=60))
        files = [f for f in meta.get("urls", []) if f["packagetype"] == "sdist"]
        if not files:
            fail(f"sdist {name}: the latest release has none")
            continue
        f = files[0]
        path = os.path.join(out, "sdists", f["filename"])
        if os.path.exists(path):
            continue
        # Mirrors answer with URLs relative to the JSON document.
        data = urllib.request.urlopen(urllib.parse.urljoin(index, f["url"]), timeout=300).read()
        if hashlib.sha256(data).hexdigest() != f["digests"]["sha256"]:
            fail(f"sdist {name}: hash mismatch")
            continue
        open(path, "wb").write(data)
    except Exception as e:
        fail(f"sdist {name}: {e}")
PY
fi

if [ -z "${ALTERKS:-}" ]; then
    echo "== building alterks (release)" >&2
    (cd "$ROOT" && swift build -c release --product alterks >&2)
    ALTERKS="$ROOT/.build/release/alterks"
fi

echo "== inspecting with $ALTERKS, $JOBS at once" >&2
inspect_one() {
    local file="$1" base
    base="$(basename "$file")"
    # Each artifact gets an empty cache of its own: every run measures a cold inspection (read, hash, analyse).
    local cache="$RESULTS/cache-$base"
    rm -rf "$cache"
    /usr/bin/time -f "%e %U %S" -o "$RESULTS/$base.time" \
        "$ALTERKS" inspect --format json --cache-dir "$cache" "$file" >"$RESULTS/$base.json" 2>"$RESULTS/$base.err"
    local code=$?
    rm -rf "$cache"
    # GNU time writes "Command exited with non-zero status N" first when the exit code is not 0.
    read -r elapsed user sys < <(tail -n 1 "$RESULTS/$base.time")
    printf '%s\t%s\t%s\t%s\t%s\n' "$base" "$(stat -c %s "$file")" "$code" "$elapsed" \
        "$(echo "$user + $sys" | bc)" >"$RESULTS/$base.row"
}
export -f inspect_one
export ALTERKS RESULTS
find "$OUT/wheels" "$OUT/sdists" -maxdepth 1 -type f -print0 | sort -z | xargs -0 -r -n 1 -P "$JOBS" bash -c 'inspect_one "$0"'
cat "$RESULTS"/*.row >"$RESULTS/timings.tsv"

python3 - "$RESULTS" <<'PY'
import collections, json, os, sys
out = sys.argv[1]
rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(out, "timings.tsv"))]
total_bytes = sum(int(r[1]) for r in rows)
total_time = sum(float(r[3]) for r in rows)
total_cpu = sum(float(r[4]) for r in rows)
errors, with_findings, by_severity, by_kind, notable = [], 0, collections.Counter(), collections.Counter(), []
for name, size, code, secs, cpu in rows:
    try:
        doc = json.load(open(os.path.join(out, name + ".json")))
    except Exception:
        errors.append((name, code, open(os.path.join(out, name + ".err")).read().strip()[:200]))
        continue
    findings = doc["inspection"]["findings"]
    if findings:
        with_findings += 1
    worst = max((f["severity"] for f in findings), key=["low", "medium", "high", "critical"].index, default="none")
    by_severity[worst] += 1
    for f in findings:
        by_kind[(f["kind"], f["severity"])] += 1
        if f["severity"] in ("high", "critical"):
            notable.append(f"{name}: {f['severity']} {f['kind']} {f['file']}:{f.get('line') or ''} {f['evidence'][:110]}")
wheels = sum(1 for r in rows if r[0].endswith(".whl"))
print(f"artifacts inspected: {len(rows)} ({wheels} wheels, {len(rows) - wheels} sdists), {total_bytes / 2**20:.1f} MB")
print(f"with any finding: {with_findings}; worst severity per artifact: {dict(by_severity)}")
print(f"errors (exit 2/3): {len(errors)}")
for e in errors:
    print("  ", *e)
print("findings by kind and severity:")
for (kind, sev), n in sorted(by_kind.items(), key=lambda kv: (-["low", "medium", "high", "critical"].index(kv[0][1]), kv[0][0])):
    print(f"  {sev:8} {kind:20} {n}")
print("high and critical findings:")
for line in notable:
    print("  ", line)
mb = max(total_bytes / 2**20, 1e-9)
print(f"time: {total_time:.1f} s elapsed ({total_time / mb:.3f} s per MB), {total_cpu:.1f} s CPU "
      f"({total_cpu / mb:.3f} s per MB, {total_cpu / max(len(rows), 1):.3f} s per artifact; process start included)")
slow = sorted(rows, key=lambda r: -float(r[4]))[:5]
print("most CPU:", ", ".join(f"{r[0]} {float(r[4]):.2f}s/{int(r[1]) / 2**20:.1f}MB" for r in slow))
PY
