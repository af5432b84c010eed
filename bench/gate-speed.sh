#!/usr/bin/env bash
# The install gate at pip's own speed (issue #13): plain pip against the gate on real wheels, hermetic.
#
#     bench/gate-speed.sh                      # both sets, 0 and 50 ms, 3 runs each; the table on stdout
#     bench/gate-speed.sh --runs 1 --sets A --latencies 0
#
# Downloads the two sets once with `pip download` into .bench/gate/{A,B} (git-ignored; the only step that uses the
# network), builds the release binaries as bench/run.sh does, then serves the wheels from alterks-doubles (PEP 691
# with PEP 658 metadata, the OSV and PyPI JSON APIs) on 127.0.0.1 and runs bench/gate_speed.py. Everything measured
# talks to 127.0.0.1 only (a dead proxy for anything else). The table is also kept in .bench/gate/results.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${ALTERKS_SHARED_DATA:-$root/../shared/data}
work=$root/.bench/gate
cd "$root"
python=$(python3 -c 'import sys; print(sys.executable)')

download() {
    local name=$1
    shift
    if [ ! -f "$work/$name/.complete" ]; then
        rm -rf "${work:?}/$name"
        mkdir -p "$work/$name"
        PIP_FIND_LINKS= "$python" -m pip download --quiet --only-binary :all: -d "$work/$name" "$@"
        touch "$work/$name/.complete"
    fi
}
download A rich httpx
download B requests flask django numpy pandas fastapi pydantic sqlalchemy boto3 pytest black rich httpx

build_flags=(-c release --build-path "$root/.build-bench")
swift_root="$(cd -- "$(dirname -- "$(command -v swift)")/.." && pwd -P)"
if [ -f "$swift_root/lib/swift_static/linux/libswiftCore.a" ]; then build_flags+=(--static-swift-stdlib); fi
swift build "${build_flags[@]}" --product alterks 2>&1 | tail -n 1 >&2
swift build "${build_flags[@]}" --product alterks-doubles 2>&1 | tail -n 1 >&2
bin=$(swift build "${build_flags[@]}" --show-bin-path)

echo "commit $(git rev-parse --short HEAD), $(nproc) cores, $("$python" -m pip --version | cut -d' ' -f1-2), load at start $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exec "$python" "$root/bench/gate_speed.py" --alterks "$bin/alterks" --doubles "$bin/alterks-doubles" --data "$shared" \
    --work "$work" --python "$python" "$@"
