#!/usr/bin/env bash
# Benchmarks: AlterKS against pip-audit, uv audit and the Python alterks, all pointed at the same loopback doubles.
#
#     bench/run.sh              # everything (about 15 minutes on 2 cores); table on stdout and in .bench/results.md
#     bench/run.sh --only scan  # parts: startup, scan, env, offline, typosquat, gate, peers (pip-audit and
#                             Python alterks); scan and peers together run all four tools back to back per case
#
# Other flags go to bench/bench.py (--sizes 16,300 --latencies 0 --runs-scale 0.5 --budget SECONDS).
# Needs python3 (with venv), PyPI for installing the peers into .bench/venv, and apt-get for hyperfine if missing.
# Nothing measured talks to anything but 127.0.0.1.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${ALTERKS_SHARED_DATA:-$root/../shared/data}
work=$root/.bench
venv=$work/venv
inputs=$work/inputs
mkdir -p "$work"
cd "$root"

say() { printf '\n### %s\n' "$*"; }

say "building release binaries (as install.sh does)"
# The same flags as install.sh, so that what is measured is what users run: alterks with the Swift runtime linked
# statically, the pip shim fully static (in install.sh's own .build-shim). The doubles share alterks's build.
build_flags=(-c release --build-path "$root/.build-bench")
shim_flags=(-c release --build-path "$root/.build-shim")
swift_root="$(cd -- "$(dirname -- "$(command -v swift)")/.." && pwd -P)"
if [ -f "$swift_root/lib/swift_static/linux/libswiftCore.a" ]; then
    build_flags+=(--static-swift-stdlib)
    shim_flags+=(-Xswiftc -static-executable)
fi
swift build "${build_flags[@]}" --product alterks 2>&1 | tail -n 1
swift build "${build_flags[@]}" --product alterks-doubles 2>&1 | tail -n 1
swift build "${shim_flags[@]}" --product pip 2>&1 | grep -v "statically linked applications requires" | tail -n 1
bin=$(swift build "${build_flags[@]}" --show-bin-path)
shim_bin=$(swift build "${shim_flags[@]}" --show-bin-path)
for binary in "$bin/alterks" "$bin/alterks-doubles" "$shim_bin/pip"; do
    [ -x "$binary" ] || { echo "missing $binary after the build" >&2; exit 1; }
done

say "peers in $venv"
peers="pip-audit==2.10.1 alterks==0.4.0 uv==0.13.9"
if [ ! -f "$venv/.peers" ] || [ "$(cat "$venv/.peers")" != "$peers" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    # shellcheck disable=SC2086
    "$venv/bin/pip" install --quiet --disable-pip-version-check $peers
    echo "$peers" >"$venv/.peers"
fi
"$venv/bin/pip-audit" --version
"$venv/bin/uv" --version
"$venv/bin/pip" show alterks | grep -E '^(Name|Version)'

if ! command -v hyperfine >/dev/null; then
    say "installing hyperfine (apt-get)"
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null
    else
        sudo apt-get update -qq && sudo apt-get install -y -qq hyperfine >/dev/null
    fi
fi
hyperfine --version
[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (apt-get install time)" >&2; exit 1; }

say "inputs in $inputs"
python3 "$root/bench/gen_inputs.py" "$shared" "$inputs"

commit=$(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- Sources Package.swift || echo "+dirty")
say "measuring (commit $commit)"
python3 "$root/bench/bench.py" --root "$root" --bin "$bin" --shim "$shim_bin/pip" --venv "$venv" --inputs "$inputs" --shared "$shared" \
    --work "$work" --out "$work/results.md" --commit "$commit" --command "bench/run.sh $*" "$@"
