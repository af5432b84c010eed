#!/usr/bin/env bash
# Pass-through overhead of the pip shim: `pip --version` and `pip list` through the shim vs the real pip.
# Usage: bench/shim-passthrough.sh [RUNS]   (default 30; uses hyperfine when installed, else a loop and the median)
# Builds the shim as install.sh does (release, fully static) in .build-shim.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-30}"
flags=(-c release --build-path .build-shim -Xswiftc -static-executable)
swift build "${flags[@]}" --product pip >/dev/null 2>&1
shim_binary="$(swift build "${flags[@]}" --show-bin-path)/pip"
[ -x "$shim_binary" ] || { echo "build the release shim first" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv" >/dev/null
mkdir "$work/shims"
cp "$shim_binary" "$work/shims/pip"
real="$work/venv/bin/pip"
export PATH="$work/shims:$work/venv/bin:/usr/bin:/bin"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_CONFIG_FILE=/dev/null
unset VIRTUAL_ENV

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
measure() { # label, command…
    local label="$1"
    shift
    local times=()
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s%N)
        "$@" >/dev/null 2>&1
        end=$(date +%s%N)
        times+=($(((end - start) / 1000)))
    done
    printf '%-28s median %8.2f ms over %d runs\n' "$label" "$(printf '%s\n' "${times[@]}" | median | awk '{print $1/1000}')" "$runs"
}

# The shim's own cost, without pip's: a "pip" that is a script handing straight to /bin/true.
printf '#!/bin/true\n' >"$work/true-pip"
chmod +x "$work/true-pip"

if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/results.json" \
        "$real --version" "$work/shims/pip --version" "$real list" "$work/shims/pip list" \
        "$work/true-pip list" "env ALTERKS_REAL_PIP=$work/true-pip $work/shims/pip list" \
        "env $work/true-pip list" >/dev/null
    python3 - "$work/results.json" "$work" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
print(f"{'command':<58} {'median ms':>10} {'min ms':>8} {'mean ms':>8}")
for r in results:
    command = r["command"].replace(sys.argv[2], "$W")
    print(f"{command:<58} {r['median']*1000:>10.2f} {r['min']*1000:>8.2f} {r['mean']*1000:>8.2f}")
PY
else
    measure "real pip --version" "$real" --version
    measure "shim pip --version" "$work/shims/pip" --version
    measure "real pip list" "$real" list
    measure "shim pip list" "$work/shims/pip" list
    measure "true-pip directly" "$work/true-pip" list
    measure "shim → true-pip" env ALTERKS_REAL_PIP="$work/true-pip" "$work/shims/pip" list
    measure "env → true-pip" env "$work/true-pip" list
fi
