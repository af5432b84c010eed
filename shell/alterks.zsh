# AlterKS shell integration for zsh.  Turn protection on:   source /path/to/alterks.zsh
#                                      Turn it off again:    alterks-deactivate
# Same behaviour as alterks.bash: the shims folder first on PATH (moved back in front before every prompt and every
# pip call, so a virtualenv activated later cannot route around it), `pip`/`pip3`/`pip3.X` and `python -m pip` /
# `python3 -m pip` as functions calling the shim, and PATH restored exactly on alterks-deactivate.

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

autoload -Uz add-zsh-hook
add-zsh-hook precmd _alterks_front

alterks-deactivate() {
    if [[ $PATH == "$_ALTERKS_SET_PATH" ]]; then
        PATH=$_ALTERKS_OLD_PATH
    else
        PATH=$(_alterks_strip "$PATH")
    fi
    add-zsh-hook -d precmd _alterks_front
    unfunction $_ALTERKS_FUNCTIONS _alterks_front _alterks_strip _alterks_pip _alterks_python
    [[ -n $_ALTERKS_HAD_SHIMS ]] || unset ALTERKS_SHIMS
    unset _ALTERKS_ACTIVE _ALTERKS_OLD_PATH _ALTERKS_SET_PATH _ALTERKS_FUNCTIONS _ALTERKS_HAD_SHIMS
    unfunction alterks-deactivate
    rehash
}

_alterks_front
rehash
