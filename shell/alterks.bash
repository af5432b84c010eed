# AlterKS shell integration for bash.  Turn protection on:   source /path/to/alterks.bash
#                                       Turn it off again:    alterks-deactivate
#
# - The pip shims folder goes first on PATH, so `pip install` in this shell and in programs it starts is gated.
# - `pip`, `pip3`, `pip3.X` and `python -m pip` / `python3 -m pip` are also shell functions that call the shim, so
#   a virtualenv activated later (its bin/ goes ahead of the shims on PATH) cannot route around the gate; the shim
#   itself uses the active virtualenv's own pip as the real one. Each of those calls, and each prompt, moves the
#   shims folder back in front of PATH.
# - alterks-deactivate restores PATH exactly as it was (when nothing else changed it meanwhile; otherwise it only
#   takes the shims folder out).
# The shims folder: $ALTERKS_SHIMS, else ../shims next to this file (the install.sh layout), else the release build of
# the checkout this file is in (after `swift build -c release`; see alterks-shims.sh). `alterks` is on PATH with it.

if [ -n "${_ALTERKS_ACTIVE:-}" ]; then
    _alterks_front
    return 0
fi

_alterks_here="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
_ALTERKS_HAD_SHIMS="${ALTERKS_SHIMS+set}"
if ! _alterks_found="$(/bin/sh "$_alterks_here/alterks-shims.sh" "$_alterks_here")"; then
    [ -n "$_ALTERKS_HAD_SHIMS" ] || unset ALTERKS_SHIMS
    unset _alterks_here _alterks_found _ALTERKS_HAD_SHIMS
    return 1
fi
ALTERKS_SHIMS="$_alterks_found"
unset _alterks_here _alterks_found
export ALTERKS_SHIMS

_ALTERKS_ACTIVE=1
_ALTERKS_OLD_PATH="$PATH"

# PATH without any entry equal to the shims folder.
_alterks_strip() {
    local rest=":$1:" previous=""
    while [ "$rest" != "$previous" ]; do
        previous="$rest"
        rest="${rest//:$ALTERKS_SHIMS:/:}"
    done
    rest="${rest#:}"
    printf '%s' "${rest%:}"
}

# Puts the shims folder first on PATH (once).
_alterks_front() {
    local rest
    rest="$(_alterks_strip "$PATH")"
    PATH="$ALTERKS_SHIMS${rest:+:$rest}"
    _ALTERKS_SET_PATH="$PATH"
}

_alterks_pip() {
    _alterks_front
    "$ALTERKS_SHIMS/$1" "${@:2}"
}

# `python -m pip …` → the shim, told which interpreter's pip is the real one.
_alterks_python() {
    local python="$1"
    shift
    local -a rest
    if [ "${1:-}" = "-m" ] && [ "${2:-}" = "pip" ]; then
        rest=("${@:3}")
    elif [ "${1:-}" = "-mpip" ]; then
        rest=("${@:2}")
    else
        command "$python" "$@"
        return
    fi
    local real
    real="$(type -P -- "$python")" || { command "$python" "$@"; return; }
    case "$real" in /*) ;; *) real="$PWD/$real" ;; esac
    _alterks_front
    ALTERKS_REAL_PYTHON="$real" "$ALTERKS_SHIMS/pip" "${rest[@]}"
}

_ALTERKS_FUNCTIONS=()
for _alterks_shim in "$ALTERKS_SHIMS"/pip*; do
    _alterks_name="${_alterks_shim##*/}"
    case "$_alterks_name" in *[!A-Za-z0-9.]*) continue ;; esac
    eval "$_alterks_name() { _alterks_pip $_alterks_name \"\$@\"; }"
    _ALTERKS_FUNCTIONS+=("$_alterks_name")
done
for _alterks_name in python python3 "${_ALTERKS_FUNCTIONS[@]/#pip/python}"; do
    case "$_alterks_name" in python | python3 | python3.[0-9]*) ;; *) continue ;; esac
    case " ${_ALTERKS_FUNCTIONS[*]} " in *" $_alterks_name "*) continue ;; esac
    eval "$_alterks_name() { _alterks_python $_alterks_name \"\$@\"; }"
    _ALTERKS_FUNCTIONS+=("$_alterks_name")
done
unset _alterks_shim _alterks_name

_ALTERKS_OLD_PROMPT_COMMAND="${PROMPT_COMMAND-}"
_ALTERKS_HAD_PROMPT_COMMAND="${PROMPT_COMMAND+set}"
PROMPT_COMMAND="_alterks_front${PROMPT_COMMAND:+;$PROMPT_COMMAND}"

alterks-deactivate() {
    if [ "$PATH" = "${_ALTERKS_SET_PATH:-}" ]; then
        PATH="$_ALTERKS_OLD_PATH"
    else
        PATH="$(_alterks_strip "$PATH")"
    fi
    if [ "$PROMPT_COMMAND" = "_alterks_front${_ALTERKS_OLD_PROMPT_COMMAND:+;$_ALTERKS_OLD_PROMPT_COMMAND}" ]; then
        if [ -n "$_ALTERKS_HAD_PROMPT_COMMAND" ]; then
            PROMPT_COMMAND="$_ALTERKS_OLD_PROMPT_COMMAND"
        else
            unset PROMPT_COMMAND
        fi
    else
        PROMPT_COMMAND="${PROMPT_COMMAND//_alterks_front;/}"
        PROMPT_COMMAND="${PROMPT_COMMAND//_alterks_front/}"
    fi
    unset -f "${_ALTERKS_FUNCTIONS[@]}" _alterks_front _alterks_strip _alterks_pip _alterks_python
    [ -n "$_ALTERKS_HAD_SHIMS" ] || unset ALTERKS_SHIMS
    unset _ALTERKS_ACTIVE _ALTERKS_OLD_PATH _ALTERKS_SET_PATH _ALTERKS_FUNCTIONS _ALTERKS_OLD_PROMPT_COMMAND \
        _ALTERKS_HAD_PROMPT_COMMAND _ALTERKS_HAD_SHIMS
    unset -f alterks-deactivate
    hash -r
}

_alterks_front
hash -r
