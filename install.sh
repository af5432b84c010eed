#!/usr/bin/env bash
# Builds AlterKS (release) and installs it under a prefix (default ~/.local):
#   <prefix>/bin/alterks                          -> ../share/alterks/bin/alterks
#   <prefix>/share/alterks/bin/alterks            the binary, with alterks_AlterKit.resources beside it
#   <prefix>/share/alterks/shims/pip, pip3, pip3.X  the pip shim (pip3 and pip3.X link to pip), alterks (a link)
#   <prefix>/share/alterks/shell/alterks.{bash,zsh,fish}, alterks-shims.sh (finds the shims folder)
#   <prefix>/share/alterks/install-manifest.txt   every path this script created, for --uninstall
# Idempotent: running it again replaces what it installed. --uninstall removes exactly what the manifest lists.
set -euo pipefail

usage() {
    cat <<'USAGE'
usage: ./install.sh [--prefix DIR] [--uninstall]
  --prefix DIR   install under DIR (default: ~/.local)
  --uninstall    remove everything a previous install under the same prefix put there
USAGE
}

prefix="${HOME:?HOME is not set}/.local"
uninstall=0
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) [ $# -ge 2 ] || { usage >&2; exit 2; }; prefix="$2"; shift 2 ;;
        --prefix=*) prefix="${1#--prefix=}"; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) echo "install.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
case "$prefix" in /*) ;; *) prefix="$PWD/$prefix" ;; esac
prefix="${prefix%/}"

share="$prefix/share/alterks"
manifest="$share/install-manifest.txt"

# Removes what a manifest lists: files and links first, then folders (deepest first) when empty.
remove_listed() {
    local list="$1" path
    [ -f "$list" ] || return 0
    while IFS= read -r path; do
        case "$path" in "$prefix"/*) ;; *) continue ;; esac
        if [ -L "$path" ] || [ -f "$path" ]; then rm -f -- "$path"; fi
    done <"$list"
    while IFS= read -r path; do
        case "$path" in "$prefix"/*) ;; *) continue ;; esac
        if [ -d "$path" ] && [ ! -L "$path" ]; then rm -rf -- "$path"; fi
    done < <(grep -E '/alterks_AlterKit\.resources$' "$list" || true)
    while IFS= read -r path; do
        case "$path" in "$prefix"/*) ;; *) continue ;; esac
        if [ -d "$path" ] && [ ! -L "$path" ]; then rmdir -- "$path" 2>/dev/null || true; fi
    done < <(sort -r "$list")
}

if [ "$uninstall" = 1 ]; then
    if [ ! -f "$manifest" ]; then
        echo "install.sh: nothing to uninstall under $prefix (no $manifest)" >&2
        exit 1
    fi
    listed="$(mktemp)"
    cp -- "$manifest" "$listed"
    rm -f -- "$manifest"
    remove_listed "$listed"
    rm -f -- "$listed"
    echo "AlterKS removed from $prefix. Remove the 'source …/alterks.bash' line from ~/.bashrc if you added it."
    exit 0
fi

here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
cd -- "$here"

# System libraries the build links against.
need=()
for pkg in git pkg-config libsqlite3-dev libcurl4-openssl-dev zlib1g-dev; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
    echo "install.sh: installing ${need[*]}"
    sudo_cmd=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || { echo "install.sh: need root or sudo to apt-get install ${need[*]}" >&2; exit 1; }
        sudo_cmd=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq "${need[@]}"
fi

if ! command -v swift >/dev/null && [ -x /opt/swift/usr/bin/swift ]; then
    export PATH="/opt/swift/usr/bin:$PATH"
fi
command -v swift >/dev/null || { echo "install.sh: swift not found (install the Swift toolchain)" >&2; exit 1; }

# A statically linked Swift runtime starts faster and survives toolchain moves. The shim is linked fully static
# (no dynamic loader at all: its pass-through then costs well under a millisecond), in its own build folder
# because the flag differs.
build_flags=(-c release)
shim_flags=(-c release --build-path "$here/.build-shim")
swift_root="$(cd -- "$(dirname -- "$(command -v swift)")/.." && pwd -P)"
if [ -f "$swift_root/lib/swift_static/linux/libswiftCore.a" ]; then
    build_flags+=(--static-swift-stdlib)
    shim_flags+=(-Xswiftc -static-executable)
fi
echo "install.sh: swift build ${build_flags[*]} --product alterks"
swift build "${build_flags[@]}" --product alterks
echo "install.sh: swift build ${shim_flags[*]} --product pip"
swift build "${shim_flags[@]}" --product pip 2> >(grep -v "statically linked applications requires" >&2)
bin="$(swift build "${build_flags[@]}" --show-bin-path)"
shim_bin="$(swift build "${shim_flags[@]}" --show-bin-path)"

python_minor=""
if command -v python3 >/dev/null; then
    python_minor="$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)"
fi

# A previous install's shim links (pip3.X of another Python) go first.
if [ -f "$manifest" ]; then
    grep -E '^'"$share"'/shims/' "$manifest" | while IFS= read -r path; do
        if [ -L "$path" ] || [ -f "$path" ]; then rm -f -- "$path"; fi
    done
fi

created=()
# Records a folder only when this script creates it (or a previous run of it did): never one that was there.
make_dir() {
    if [ ! -d "$1" ]; then
        mkdir -p -- "$1"
        created+=("$1")
    elif [ -f "$manifest" ] && grep -qxF -- "$1" "$manifest"; then
        created+=("$1")
    fi
}
# Copies to a temporary name beside the target, then renames: a running binary is never overwritten in place.
put_file() {
    local source="$1" target="$2" mode="$3"
    cp -- "$source" "$target.tmp.$$"
    chmod "$mode" "$target.tmp.$$"
    mv -f -- "$target.tmp.$$" "$target"
    created+=("$target")
}
put_link() {
    ln -sfn -- "$1" "$2"
    created+=("$2")
}

make_dir "$prefix/bin"
make_dir "$prefix/share"
make_dir "$share"
make_dir "$share/bin"
make_dir "$share/shims"
make_dir "$share/shell"

put_file "$bin/alterks" "$share/bin/alterks" 0755
if [ -d "$bin/alterks_AlterKit.resources" ]; then
    rm -rf -- "$share/bin/alterks_AlterKit.resources.tmp.$$"
    cp -R -- "$bin/alterks_AlterKit.resources" "$share/bin/alterks_AlterKit.resources.tmp.$$"
    rm -rf -- "$share/bin/alterks_AlterKit.resources"
    mv -- "$share/bin/alterks_AlterKit.resources.tmp.$$" "$share/bin/alterks_AlterKit.resources"
    created+=("$share/bin/alterks_AlterKit.resources")
fi
put_link "../share/alterks/bin/alterks" "$prefix/bin/alterks"

put_file "$shim_bin/pip" "$share/shims/pip" 0755
put_link "pip" "$share/shims/pip3"
if [ -n "$python_minor" ]; then
    put_link "pip" "$share/shims/pip$python_minor"
fi
# `alterks` itself on PATH while the shell integration is on.
put_link "../bin/alterks" "$share/shims/alterks"

for shell in bash zsh fish; do
    put_file "shell/alterks.$shell" "$share/shell/alterks.$shell" 0644
done
put_file "shell/alterks-shims.sh" "$share/shell/alterks-shims.sh" 0755

printf '%s\n' "${created[@]}" | sort -u >"$manifest.tmp.$$"
mv -f -- "$manifest.tmp.$$" "$manifest"

echo "AlterKS installed under $prefix ($prefix/bin/alterks; pip shims in $share/shims)."
echo "Turn the pip gate on in every new shell by adding this line to ~/.bashrc:"
echo
echo "    source \"$share/shell/alterks.bash\""
