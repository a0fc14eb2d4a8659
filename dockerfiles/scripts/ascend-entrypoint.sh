#!/bin/bash
# ENTRYPOINT of the CANN images: loads the CANN environment, then runs the command through
# the python layer's runtime-pip-entrypoint.sh (extra pip packages asked for at start).
#
# The image's ENV already holds the static part of it; the set_env.sh scripts add what
# depends on the container (e.g. the ATB build matching torch's C++ ABI, chosen by
# nnal's set_env.sh). The scripts are written for interactive shells, so they are
# sourced without -e/-u and without the command's arguments (a function has its own).

source_if_present() {
    local env_file=$1
    shift # the script must see no positional parameters
    [ -f "$env_file" ] || return 0
    # shellcheck disable=SC1090
    . "$env_file"
}

# toolkit (8.x), the runtime-only nnae, or the cann-<version> layout of 8.5 and later
if [ -f /usr/local/Ascend/ascend-toolkit/set_env.sh ]; then
    source_if_present /usr/local/Ascend/ascend-toolkit/set_env.sh
elif [ -f /usr/local/Ascend/nnae/set_env.sh ]; then
    source_if_present /usr/local/Ascend/nnae/set_env.sh
else
    for env_file in /usr/local/Ascend/cann-*/set_env.sh; do
        source_if_present "$env_file"
    done
fi
source_if_present /usr/local/Ascend/nnal/atb/set_env.sh

if [ "$#" -eq 0 ]; then
    set -- /bin/bash
fi
# The python layer's entrypoint: extra pip packages asked for at start, then the command.
# A parent not built from python.dockerfile has none.
if [ -x /usr/local/bin/runtime-pip-entrypoint.sh ]; then
    exec /usr/local/bin/runtime-pip-entrypoint.sh "$@"
fi
exec "$@"
