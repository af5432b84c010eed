# AlterKS shell integration for fish.  Turn protection on:   source /path/to/alterks.fish
#                                       Turn it off again:    alterks-deactivate
# Same behaviour as alterks.bash: the shims folder first on PATH (moved back in front before every prompt and every
# pip call, so a virtualenv activated later cannot route around it), `pip`/`pip3`/`pip3.X` and `python -m pip` /
# `python3 -m pip` as functions calling the shim, and PATH restored exactly on alterks-deactivate.

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

function _alterks_on_prompt --on-event fish_prompt
    _alterks_front
end

function alterks-deactivate
    # PATH is a path variable (quoted, it joins with ":"); compare both the same way.
    set -l current (string join : -- $PATH)
    set -l ours (string join : -- $_alterks_set_path)
    if test "$current" = "$ours"
        set -gx PATH $_alterks_old_path
    else
        set -gx PATH (_alterks_strip)
    end
    functions -e $_alterks_functions _alterks_front _alterks_strip _alterks_pip _alterks_python _alterks_on_prompt
    test -n "$_alterks_had_shims"; or set -e ALTERKS_SHIMS
    set -e _alterks_active _alterks_old_path _alterks_set_path _alterks_functions _alterks_had_shims
    functions -e alterks-deactivate
end

_alterks_front
