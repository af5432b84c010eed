#!/bin/sh
# Prints the pip shims folder the activation scripts (alterks.bash, .zsh, .fish) put first on PATH; or says on
# stderr every place it looked and exits 1. $1: the folder holding the activation scripts.
#   1. $ALTERKS_SHIMS when set;
#   2. ../shims beside that folder: the install.sh layout (<prefix>/share/alterks/{shell,shims});
#   3. a checkout: the folder of `swift build -c release` (.build/release, or $ALTERKS_BUILD_DIR) holding `pip` and
#      `alterks`. Its alterks-shims/ subfolder (made here once, 0700, links only) holds pip, pip3, pip3.X (the
#      python3 on PATH) and alterks, so that every pip name is gated and `alterks` is on PATH too.
set -u
here=$1
parent=$(dirname -- "$here")

if [ -n "${ALTERKS_SHIMS:-}" ]; then
    if dir=$(cd -- "$ALTERKS_SHIMS" 2>/dev/null && pwd -P) && [ -x "$dir/pip" ]; then
        printf '%s\n' "$dir"
        exit 0
    fi
    echo "alterks: no pip shim found in $ALTERKS_SHIMS (ALTERKS_SHIMS); protection is NOT on" >&2
    exit 1
fi

installed=$parent/shims
if [ -x "$installed/pip" ]; then
    (cd -- "$installed" && pwd -P)
    exit
fi

build=${ALTERKS_BUILD_DIR:-$parent/.build/release}
if [ -x "$build/pip" ] && [ -x "$build/alterks" ] && build=$(cd -- "$build" && pwd -P); then
    shims=$build/alterks-shims
    if [ ! -x "$shims/pip" ] || [ ! -x "$shims/alterks" ]; then
        # Built beside, then renamed into place: a shell activating at the same time sees all of it or none.
        tmp=$shims.tmp.$$
        rm -rf -- "$tmp"
        mkdir -m 700 -- "$tmp" || exit 1
        ln -s ../pip "$tmp/pip"
        ln -s pip "$tmp/pip3"
        minor=$(python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null) || minor=""
        case "$minor" in 3.[0-9]*) ln -s pip "$tmp/pip$minor" ;; esac
        ln -s ../alterks "$tmp/alterks"
        [ -x "$shims/pip" ] && [ -x "$shims/alterks" ] || rm -rf -- "$shims"
        mv -T -- "$tmp" "$shims" 2>/dev/null || rm -rf -- "$tmp"
    fi
    if [ -x "$shims/pip" ]; then
        printf '%s\n' "$shims"
        exit 0
    fi
fi

echo "alterks: no pip shim found in $installed (an install.sh layout) nor a built pip and alterks in $build" \
    "(a checkout: run 'swift build -c release' there first); protection is NOT on" >&2
exit 1
