# AlterKS shell integration for fish.  Turn protection on:   source /path/to/alterks.fish
#                                       Turn it off again:    alterks-deactivate
# Same behaviour as alterks.bash: the shims folder first on PATH (moved back in front before every prompt and every
# pip call, so a virtualenv activated later cannot route around it), `pip`/`pip3`/`pip3.X` and `python -m pip` /
# `python3 -m pip` as functions calling the shim, and PATH restored exactly on alterks-deactivate; the local index
# (`alterks index`) as the net under them, its variables restored exactly on alterks-deactivate (ALTERKS_INDEX=0
# leaves it off).

if set -q _alterks_active
    _alterks_front
    return 0
end

set -g _alterks_had_shims (set -q ALTERKS_SHIMS; and echo set)
set -l _alterks_here (realpath -- (dirname (status --current-filename)))
set -l _alterks_found (/bin/sh $_alterks_here/alterks-shims.sh $_alterks_here)
or begin
    test -n "$_alterks_had_shims"; or set -e ALTERKS_SHIMS
    set -e _alterks_had_shims
    return 1
end
set -gx ALTERKS_SHIMS $_alterks_found

set -g _alterks_active 1
set -g _alterks_old_path $PATH
set -g _alterks_set_path

function _alterks_strip
    for entry in $PATH
        test "$entry" != "$ALTERKS_SHIMS"; and echo $entry
    end
end

function _alterks_front
    set -gx PATH $ALTERKS_SHIMS (_alterks_strip)
    set -g _alterks_set_path $PATH
end

function _alterks_pip
    _alterks_front
    $ALTERKS_SHIMS/$argv[1] $argv[2..-1]
end

function _alterks_python
    set -l python $argv[1]
    set -l args $argv[2..-1]
    set -l rest
    if test (count $args) -ge 2; and test "$args[1]" = -m; and test "$args[2]" = pip
        set rest $args[3..-1]
    else if test (count $args) -ge 1; and test "$args[1]" = -mpip
        set rest $args[2..-1]
    else
        command $python $args
        return $status
    end
    set -l real (command -s $python)
    if test -z "$real"
        command $python $args
        return $status
    end
    string match -q '/*' -- $real; or set real $PWD/$real
    _alterks_front
    env ALTERKS_REAL_PYTHON=$real $ALTERKS_SHIMS/pip $rest
end

set -g _alterks_functions
for shim in $ALTERKS_SHIMS/pip*
    set -l name (basename $shim)
    string match -qr '^[A-Za-z0-9.]+$' -- $name; or continue
    function $name --inherit-variable name
        _alterks_pip $name $argv
    end
    set -a _alterks_functions $name
end
for name in python python3 (string replace -r '^pip' python -- $_alterks_functions)
    string match -qr '^python(3(\.[0-9]+)?)?$' -- $name; or continue
    contains -- $name $_alterks_functions; and continue
    function $name --inherit-variable name
        _alterks_python $name $argv
    end
    set -a _alterks_functions $name
end

# The variables activation points at the local index; how each was before is kept in _alterks_state_NAME (unset,
# shell or exported) and _alterks_saved_NAME.
set -g _alterks_index_vars PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS PIP_NO_INDEX UV_DEFAULT_INDEX UV_INDEX_URL \
    UV_INDEX UV_EXTRA_INDEX_URL UV_FIND_LINKS ALTERKS_INDEX_URL
set -g _alterks_index_pid

function _alterks_index_on
    test "$ALTERKS_INDEX" = 0; and return 0
    # A parent shell's index is in place (this shell inherited its environment): it stays the net.
    if set -q ALTERKS_INDEX_URL; and test "$PIP_INDEX_URL" = "$ALTERKS_INDEX_URL/simple/"
        return 0
    end
    set -l started ($ALTERKS_SHIMS/alterks index start --watch-pid $fish_pid)
    or begin
        echo "alterks: the local index did not start: pip and uv started by programs are NOT gated" >&2
        return 0
    end
    set -l fields (string split -m 1 ' ' -- $started)
    set -g _alterks_index_pid $fields[1]
    set -l url $fields[2]
    for name in $_alterks_index_vars
        if not set -q $name
            set -g _alterks_state_$name unset
        else if set -qx $name
            set -g _alterks_state_$name exported
            set -g _alterks_saved_$name $$name
        else
            set -g _alterks_state_$name shell
            set -g _alterks_saved_$name $$name
        end
    end
    set -e UV_INDEX UV_EXTRA_INDEX_URL UV_FIND_LINKS
    set -gx PIP_INDEX_URL $url/simple/
    set -gx PIP_EXTRA_INDEX_URL $url/none/
    set -gx PIP_FIND_LINKS $url/links/
    set -gx PIP_NO_INDEX 0
    set -gx UV_DEFAULT_INDEX $url/simple/
    set -gx UV_INDEX_URL $url/simple/
    set -gx ALTERKS_INDEX_URL $url
    # `set` passes on the status before it (the `set -e` of an unset variable: 4): activation succeeded.
    return 0
end

function _alterks_index_off
    test -n "$_alterks_index_pid"; or return 0
    for name in $_alterks_index_vars
        set -l state _alterks_state_$name
        set -l saved _alterks_saved_$name
        set -e $name
        switch "$$state"
            case exported
                set -gx $name $$saved
            case shell
                set -g $name $$saved
        end
        set -e $state $saved
    end
    kill $_alterks_index_pid 2>/dev/null
end

function _alterks_on_prompt --on-event fish_prompt
    _alterks_front
end

function alterks-deactivate
    _alterks_index_off
    # PATH is a path variable (quoted, it joins with ":"); compare both the same way.
    set -l current (string join : -- $PATH)
    set -l ours (string join : -- $_alterks_set_path)
    if test "$current" = "$ours"
        set -gx PATH $_alterks_old_path
    else
        set -gx PATH (_alterks_strip)
    end
    functions -e $_alterks_functions _alterks_front _alterks_strip _alterks_pip _alterks_python _alterks_on_prompt \
        _alterks_index_on _alterks_index_off
    test -n "$_alterks_had_shims"; or set -e ALTERKS_SHIMS
    set -e _alterks_active _alterks_old_path _alterks_set_path _alterks_functions _alterks_had_shims \
        _alterks_index_vars _alterks_index_pid
    functions -e alterks-deactivate
end

_alterks_front
_alterks_index_on
