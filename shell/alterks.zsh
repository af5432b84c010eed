# AlterKS shell integration for zsh.  Turn protection on:   source /path/to/alterks.zsh
#                                      Turn it off again:    alterks-deactivate
# Same behaviour as alterks.bash: the shims folder first on PATH (moved back in front before every prompt and every
# pip call, so a virtualenv activated later cannot route around it), `pip`/`pip3`/`pip3.X` and `python -m pip` /
# `python3 -m pip` as functions calling the shim, and PATH restored exactly on alterks-deactivate; the local index
# (`alterks index`) as the net under them, its variables restored exactly on alterks-deactivate (ALTERKS_INDEX=0
# leaves it off).

if [[ -n ${_ALTERKS_ACTIVE:-} ]]; then
    _alterks_front
    return 0
fi

typeset -g _alterks_here=${${(%):-%x}:A:h}
typeset -g _ALTERKS_HAD_SHIMS=${ALTERKS_SHIMS+set}
typeset -g _alterks_found
if ! _alterks_found=$(/bin/sh $_alterks_here/alterks-shims.sh $_alterks_here); then
    [[ -n $_ALTERKS_HAD_SHIMS ]] || unset ALTERKS_SHIMS
    unset _alterks_here _alterks_found _ALTERKS_HAD_SHIMS
    return 1
fi
export ALTERKS_SHIMS=$_alterks_found
unset _alterks_here _alterks_found

typeset -g _ALTERKS_ACTIVE=1
typeset -g _ALTERKS_OLD_PATH=$PATH
typeset -g _ALTERKS_SET_PATH=

_alterks_strip() {
    local -a parts
    parts=("${(@s.:.)1}")
    parts=("${(@)parts:#$ALTERKS_SHIMS}")
    print -rn -- "${(j.:.)parts}"
}

_alterks_front() {
    local rest
    rest=$(_alterks_strip "$PATH")
    PATH="$ALTERKS_SHIMS${rest:+:$rest}"
    _ALTERKS_SET_PATH=$PATH
}

_alterks_pip() {
    _alterks_front
    "$ALTERKS_SHIMS/$1" "${@[2,-1]}"
}

_alterks_python() {
    local python=$1
    shift
    local -a rest
    if [[ ${1:-} == "-m" && ${2:-} == "pip" ]]; then
        rest=("${@[3,-1]}")
    elif [[ ${1:-} == "-mpip" ]]; then
        rest=("${@[2,-1]}")
    else
        command "$python" "$@"
        return
    fi
    local real=${commands[$python]}
    if [[ -z $real ]]; then
        command "$python" "$@"
        return
    fi
    [[ $real == /* ]] || real=$PWD/$real
    _alterks_front
    ALTERKS_REAL_PYTHON=$real "$ALTERKS_SHIMS/pip" "${rest[@]}"
}

typeset -ga _ALTERKS_FUNCTIONS
_ALTERKS_FUNCTIONS=()
for _alterks_shim in $ALTERKS_SHIMS/pip*(N); do
    _alterks_name=${_alterks_shim:t}
    [[ $_alterks_name =~ '^[A-Za-z0-9.]+$' ]] || continue
    eval "function $_alterks_name { _alterks_pip $_alterks_name \"\$@\"; }"
    _ALTERKS_FUNCTIONS+=($_alterks_name)
done
for _alterks_name in python python3 ${_ALTERKS_FUNCTIONS/#pip/python}; do
    [[ $_alterks_name =~ '^python(3(\.[0-9]+)?)?$' ]] || continue
    (( ${_ALTERKS_FUNCTIONS[(Ie)$_alterks_name]} )) && continue
    eval "function $_alterks_name { _alterks_python $_alterks_name \"\$@\"; }"
    _ALTERKS_FUNCTIONS+=($_alterks_name)
done
unset _alterks_shim _alterks_name

# The variables activation points at the local index, and how each was before (NAME STATE VALUE triples).
typeset -ga _ALTERKS_INDEX_VARS _ALTERKS_INDEX_SAVED
_ALTERKS_INDEX_VARS=(PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS PIP_NO_INDEX UV_DEFAULT_INDEX UV_INDEX_URL UV_INDEX
    UV_EXTRA_INDEX_URL UV_FIND_LINKS ALTERKS_INDEX_URL)
_ALTERKS_INDEX_SAVED=()
typeset -g _ALTERKS_INDEX_PID=

_alterks_index_on() {
    [[ ${ALTERKS_INDEX:-1} == 0 ]] && return 0
    # A parent shell's index is in place (this shell inherited its environment): it stays the net.
    [[ -n ${ALTERKS_INDEX_URL:-} && ${PIP_INDEX_URL:-} == "$ALTERKS_INDEX_URL/simple/" ]] && return 0
    local started name url
    if ! started=$("$ALTERKS_SHIMS/alterks" index start --watch-pid $$); then
        print -u2 "alterks: the local index did not start: pip and uv started by programs are NOT gated"
        return 0
    fi
    _ALTERKS_INDEX_PID=${started%% *}
    for name in $_ALTERKS_INDEX_VARS; do
        if (( ! ${+parameters[$name]} )); then
            _ALTERKS_INDEX_SAVED+=($name unset "")
        elif [[ ${parameters[$name]} == *-export* ]]; then
            _ALTERKS_INDEX_SAVED+=($name exported "${(P)name}")
        else
            _ALTERKS_INDEX_SAVED+=($name shell "${(P)name}")
        fi
    done
    url=${started#* }
    unset UV_INDEX UV_EXTRA_INDEX_URL UV_FIND_LINKS
    export PIP_INDEX_URL=$url/simple/ PIP_EXTRA_INDEX_URL=$url/none/ PIP_FIND_LINKS=$url/links/ PIP_NO_INDEX=0 \
        UV_DEFAULT_INDEX=$url/simple/ UV_INDEX_URL=$url/simple/ ALTERKS_INDEX_URL=$url
}

_alterks_index_off() {
    local i name
    for (( i = 1; i <= ${#_ALTERKS_INDEX_SAVED}; i += 3 )); do
        name=${_ALTERKS_INDEX_SAVED[i]}
        unset $name
        case ${_ALTERKS_INDEX_SAVED[i + 1]} in
            exported) export $name=${_ALTERKS_INDEX_SAVED[i + 2]} ;;
            shell) typeset -g $name=${_ALTERKS_INDEX_SAVED[i + 2]} ;;
        esac
    done
    [[ -z $_ALTERKS_INDEX_PID ]] || kill $_ALTERKS_INDEX_PID 2>/dev/null
    unset _ALTERKS_INDEX_VARS _ALTERKS_INDEX_SAVED _ALTERKS_INDEX_PID
}

autoload -Uz add-zsh-hook
add-zsh-hook precmd _alterks_front

alterks-deactivate() {
    _alterks_index_off
    if [[ $PATH == "$_ALTERKS_SET_PATH" ]]; then
        PATH=$_ALTERKS_OLD_PATH
    else
        PATH=$(_alterks_strip "$PATH")
    fi
    add-zsh-hook -d precmd _alterks_front
    unfunction $_ALTERKS_FUNCTIONS _alterks_front _alterks_strip _alterks_pip _alterks_python _alterks_index_on \
        _alterks_index_off
    [[ -n $_ALTERKS_HAD_SHIMS ]] || unset ALTERKS_SHIMS
    unset _ALTERKS_ACTIVE _ALTERKS_OLD_PATH _ALTERKS_SET_PATH _ALTERKS_FUNCTIONS _ALTERKS_HAD_SHIMS
    unfunction alterks-deactivate
    rehash
}

_alterks_front
rehash
_alterks_index_on
