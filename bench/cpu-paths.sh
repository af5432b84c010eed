#!/usr/bin/env bash
# The engine's CPU paths (issue #17), side by side with uv in one run: offline scan of 1,000 pins, warm and cold
# (50 ms) online scans of 1,000 pins against uv audit, `--help` against `uv --help`, peak RSS. Wall medians from
# hyperfine, CPU (user+sys) and peak RSS from /usr/bin/time, and — because the machine is shared and wall seconds
# swing with its load — callgrind instruction counts for the single-threaded paths.
#
#     bench/cpu-paths.sh BIN_DIR [RUNS]     # BIN_DIR holds alterks and alterks-doubles (a release build);
#                                           # DOUBLES=path overrides the doubles, CALLGRIND=0 skips callgrind
#
# Needs .bench/inputs (bench/gen_inputs.py), uv in .bench/venv (uv 0.13.9 has `uv audit`), hyperfine, valgrind.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin=${1:?usage: bench/cpu-paths.sh BIN_DIR [RUNS]}
runs=${2:-10}
shared=${ALTERKS_SHARED_DATA:-$root/../shared/data}
work=$root/.bench/cpu
inputs=$root/.bench/inputs
uv=$root/.bench/venv/bin/uv
alterks=$bin/alterks
rm -rf "$work"
mkdir -p "$work/home"
export HOME=$work/home XDG_CACHE_HOME=$work/home/.cache XDG_DATA_HOME=$work/home/.local/share
export XDG_CONFIG_HOME=$work/home/.config UV_CACHE_DIR=$work/home/.cache/uv
export HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1
unset PIP_FIND_LINKS PIP_CERT PIP_DEFAULT_TIMEOUT

doubles_pids=()
cleanup() { for pid in "${doubles_pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT
start_double() { # latency: started in this shell (so that the EXIT trap stops it), its URL read once ready
    "${DOUBLES:-$bin/alterks-doubles}" --latency-ms "$1" --data "$shared" --find-links "$inputs/gate/wheels" \
        >"$work/doubles-$1.out" 2>"$work/doubles-$1.log" &
    doubles_pids+=($!)
}
double_url() {
    until [ -s "$work/doubles-$1.out" ]; do
        kill -0 "${doubles_pids[$2]}" 2>/dev/null || { cat "$work/doubles-$1.log" >&2; exit 1; }
        sleep 0.2
    done
    head -n 1 "$work/doubles-$1.out"
}
start_double 0
start_double 50
url0=$(double_url 0 0)
url50=$(double_url 50 1)
[ -n "$url0" ] && [ -n "$url50" ] || { echo "alterks-doubles did not start" >&2; exit 1; }
for latency in 0 50; do
    url=$([ "$latency" = 0 ] && echo "$url0" || echo "$url50")
    printf 'osv_url = "%s"\npypi_url = "%s"\n' "$url" "$url" >"$work/alterks-$latency.toml"
    # uv's project with its lock's registry pointed at this double.
    mkdir -p "$work/uv-$latency"
    cp "$inputs/uv-1000/pyproject.toml" "$work/uv-$latency/"
    sed "s|@INDEX@|$url/simple|g" "$inputs/uv-1000/uv.lock" >"$work/uv-$latency/uv.lock"
done

say() { printf '\n## %s (load %s)\n' "$1" "$(cut -d' ' -f1-3 /proc/loadavg)"; }
cpu() { # label argv... : one run under /usr/bin/time: user+sys seconds and peak RSS
    local label=$1
    shift
    /usr/bin/time -f "%U %S %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || true
    read -r user sys rss < <(tail -n 1 "$work/time")
    printf '%-40s cpu %.3f s (user %.3f, sys %.3f), peak RSS %d MB\n' "$label" "$(echo "$user + $sys" | bc)" \
        "$user" "$sys" $((rss / 1024))
}
instructions() { # label argv... : callgrind's instruction count of one run (CALLGRIND=0 skips)
    local label=$1
    shift
    [ "${CALLGRIND:-1}" = 0 ] && return 0
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.%p" "$@" >/dev/null 2>"$work/valgrind" || true
    printf '%-40s %s instructions\n' "$label" "$(grep -o 'Collected : [0-9]*' "$work/valgrind" | head -n 1 | cut -d' ' -f3)"
}
scan() { echo "$alterks" scan --no-deps --config "$work/alterks-$1.toml" -r "$inputs/requirements-1000.txt" --source osv \
    --no-heuristics --format json; }
audit() { echo "$uv" audit --frozen --service-url "$2" --default-index "$2/simple" --output-format json \
    --no-python-downloads --directory "$work/uv-$1"; }
hf() { hyperfine -N -i --style basic --runs "$runs" "$@" 2>&1 | grep -E 'Benchmark|Time|±' || true; }

say "offline: db import, then scan --offline --no-heuristics of 1,000 pins"
"$alterks" db import "$shared/osv-pypi.zip" >/dev/null
offline=("$alterks" scan --no-deps --offline -r "$inputs/requirements-1000.txt" --no-heuristics --format json)
cold_cache="rm -rf $XDG_CACHE_HOME/alterks"
hyperfine -N -i --style basic --runs "$runs" --prepare "$cold_cache" "${offline[*]}" 2>&1 | grep -E 'Time|±' |
    sed 's/^/  cold verdict cache: /'
hf "${offline[*]}" | sed 's/^/  warm verdict cache: /'
rm -rf "$XDG_CACHE_HOME/alterks"
cpu "offline, cold verdict cache" "${offline[@]}"
cpu "offline, warm verdict cache" "${offline[@]}"
rm -rf "$XDG_CACHE_HOME/alterks"
instructions "offline, cold verdict cache" "${offline[@]}"
instructions "offline, warm verdict cache" "${offline[@]}"

say "warm online scan, 1,000 pins, 0 ms (after one filling run each)"
$(scan 0) >/dev/null 2>&1 || true
$(audit 0 "$url0") >/dev/null 2>&1 || true
hf "$(scan 0)" "$(audit 0 "$url0")"
cpu "alterks warm" $(scan 0)
cpu "uv audit warm" $(audit 0 "$url0")
instructions "alterks warm" $(scan 0)
instructions "uv audit warm" $(audit 0 "$url0")

say "cold online scan, 1,000 pins, 50 ms latency (caches removed before every run)"
hyperfine -N -i --style basic --runs "$(((runs + 2) / 3))" \
    --prepare "rm -rf $XDG_CACHE_HOME/alterks $XDG_CACHE_HOME/uv" "$(scan 50)" "$(audit 50 "$url50")" 2>&1 |
    grep -E 'Benchmark|Time|±' || true
rm -rf "$XDG_CACHE_HOME/alterks" "$XDG_CACHE_HOME/uv"
cpu "alterks cold 50 ms" $(scan 50)
cpu "uv audit cold 50 ms" $(audit 50 "$url50")

say "--help"
hf "$alterks --help" "$uv --help"
cpu "alterks --help" "$alterks" --help
cpu "uv --help" "$uv" --help
instructions "alterks --help" "$alterks" --help
instructions "uv --help" "$uv" --help
ls -l "$alterks" "$uv" | awk '{printf "%-40s %d MB\n", $9, $5 / 1048576}'
