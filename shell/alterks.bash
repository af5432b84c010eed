# AlterKS shell integration for bash.  Turn protection on:   source /path/to/alterks.bash
#                                       Turn it off again:    alterks-deactivate
#
# - The pip shims folder goes first on PATH, so `pip install` in this shell and in programs it starts is gated.
# - `pip`, `pip3`, `pip3.X` and `python -m pip` / `python3 -m pip` are also shell functions that call the shim, so
#   a virtualenv activated later (its bin/ goes ahead of the shims on PATH) cannot route around the gate; the shim
#   itself uses the active virtualenv's own pip as the real one. Each of those calls, and each prompt, moves the
#   shims folder back in front of PATH.
# - The net under the shims: a local package index (`alterks index`, one per shell, ended with it) stands for your
#   pip and uv indexes and serves a file only once the gate's engine has passed it. PIP_INDEX_URL,
#   PIP_EXTRA_INDEX_URL, PIP_FIND_LINKS, PIP_NO_INDEX, UV_DEFAULT_INDEX and UV_INDEX_URL are exported pointing at it
#   (UV_INDEX, UV_EXTRA_INDEX_URL and UV_FIND_LINKS are unset), so pip and uv started by any program (make, tox, a
#   script's `sh -c "pip install …"`, a venv's bin/pip) are gated too. ALTERKS_INDEX=0 before sourcing leaves it off.
# - alterks-deactivate restores PATH exactly as it was (when nothing else changed it meanwhile; otherwise it only
#   takes the shims folder out), and every variable above exactly (its value, exported or not, or unset).
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

# The variables activation points at the local index, and how each was before: NAME STATE VALUE triples, STATE
# being unset, shell (set, not exported) or exported.
_ALTERKS_INDEX_VARS=(PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS PIP_NO_INDEX UV_DEFAULT_INDEX UV_INDEX_URL UV_INDEX
    UV_EXTRA_INDEX_URL UV_FIND_LINKS ALTERKS_INDEX_URL)
_ALTERKS_INDEX_SAVED=()
_ALTERKS_INDEX_PID=""

_alterks_index_on() {
    [ "${ALTERKS_INDEX:-1}" = 0 ] && return 0
    # A parent shell's index is in place (this shell inherited its environment): it stays the net.
    if [ -n "${ALTERKS_INDEX_URL:-}" ] && [ "${PIP_INDEX_URL:-}" = "$ALTERKS_INDEX_URL/simple/" ]; then
        return 0
    fi
    local started name
    if ! started="$("$ALTERKS_SHIMS/alterks" index start --watch-pid "$$")"; then
        echo "alterks: the local index did not start: pip and uv started by programs are NOT gated" >&2
        return 0
    fi
    _ALTERKS_INDEX_PID="${started%% *}"
    for name in "${_ALTERKS_INDEX_VARS[@]}"; do
        if [ -z "${!name+set}" ]; then
            _ALTERKS_INDEX_SAVED+=("$name" unset "")
        elif [[ "$(declare -p "$name")" =~ ^declare\ -[a-zA-Z]*x ]]; then
            _ALTERKS_INDEX_SAVED+=("$name" exported "${!name}")
        else
            _ALTERKS_INDEX_SAVED+=("$name" shell "${!name}")
        fi
    done
    local url="${started#* }"
    unset UV_INDEX UV_EXTRA_INDEX_URL UV_FIND_LINKS
    export PIP_INDEX_URL="$url/simple/" PIP_EXTRA_INDEX_URL="$url/none/" PIP_FIND_LINKS="$url/links/" PIP_NO_INDEX=0 \
        UV_DEFAULT_INDEX="$url/simple/" UV_INDEX_URL="$url/simple/" ALTERKS_INDEX_URL="$url"
}

_alterks_index_off() {
    local i name
    for ((i = 0; i < ${#_ALTERKS_INDEX_SAVED[@]}; i += 3)); do
        name="${_ALTERKS_INDEX_SAVED[i]}"
        unset "$name"
        case "${_ALTERKS_INDEX_SAVED[i + 1]}" in
            exported) export "$name=${_ALTERKS_INDEX_SAVED[i + 2]}" ;;
            shell) printf -v "$name" '%s' "${_ALTERKS_INDEX_SAVED[i + 2]}" ;;
        esac
    done
    [ -z "$_ALTERKS_INDEX_PID" ] || kill "$_ALTERKS_INDEX_PID" 2>/dev/null
    unset _ALTERKS_INDEX_VARS _ALTERKS_INDEX_SAVED _ALTERKS_INDEX_PID
}

_ALTERKS_OLD_PROMPT_COMMAND="${PROMPT_COMMAND-}"
_ALTERKS_HAD_PROMPT_COMMAND="${PROMPT_COMMAND+set}"
PROMPT_COMMAND="_alterks_front${PROMPT_COMMAND:+;$PROMPT_COMMAND}"

alterks-deactivate() {
    _alterks_index_off
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
    unset -f "${_ALTERKS_FUNCTIONS[@]}" _alterks_front _alterks_strip _alterks_pip _alterks_python _alterks_index_on \
        _alterks_index_off
    [ -n "$_ALTERKS_HAD_SHIMS" ] || unset ALTERKS_SHIMS
    unset _ALTERKS_ACTIVE _ALTERKS_OLD_PATH _ALTERKS_SET_PATH _ALTERKS_FUNCTIONS _ALTERKS_OLD_PROMPT_COMMAND \
        _ALTERKS_HAD_PROMPT_COMMAND _ALTERKS_HAD_SHIMS
    unset -f alterks-deactivate
    hash -r
}

_alterks_front
hash -r
_alterks_index_on
