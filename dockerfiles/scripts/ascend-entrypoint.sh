#!/bin/bash
# ENTRYPOINT of the CANN images (and of ascend-vllm, on the official vllm-ascend image):
# loads the CANN environment, then runs the command through the python layer's
# runtime-pip-entrypoint.sh (extra pip packages asked for at start).
#
# The image's ENV already holds the static part of it; the set_env.sh scripts add the rest,
# in the order of the official images (Ascend/cann-container-image): the runtime's, then,
# from CANN 8.5.0 on, AscendNPU IR's (bisheng, which triton-ascend compiles with), then
# NNAL's with the image's ATB_CXX_ABI (--cxx_abi, as the official images pass it from 9.0.1
# on); without ATB_CXX_ABI, NNAL's script picks the ATB build from the torch it finds.
# The scripts are written for interactive shells, so they are sourced without -e/-u and
# without the command's arguments (a function has its own).

source_if_present() { # file [argument...]
    local env_file=$1
    shift # the script sees only its own arguments
    [ -f "$env_file" ] || return 0
    # shellcheck disable=SC1090
    . "$env_file" "$@"
}

# toolkit (ascend-toolkit/set_env.sh, kept beside cann-<version> from 8.5.0 on), the
# runtime-only nnae, or a cann-<version> layout without the ascend-toolkit links
if [ -f /usr/local/Ascend/ascend-toolkit/set_env.sh ]; then
    source_if_present /usr/local/Ascend/ascend-toolkit/set_env.sh
elif [ -f /usr/local/Ascend/nnae/set_env.sh ]; then
    source_if_present /usr/local/Ascend/nnae/set_env.sh
else
    for env_file in /usr/local/Ascend/cann-*/set_env.sh; do
        source_if_present "$env_file"
    done
fi
# ASCEND_TOOLKIT_HOME is /usr/local/Ascend/cann-<version> from 8.5.0 on; up to 8.3 there is
# no such file.
if [ -n "${ASCEND_TOOLKIT_HOME:-}" ]; then
    source_if_present "$ASCEND_TOOLKIT_HOME/share/info/ascendnpu-ir/bin/set_env.sh"
fi
if [ -n "${ATB_CXX_ABI:-}" ]; then
    source_if_present /usr/local/Ascend/nnal/atb/set_env.sh --cxx_abi="$ATB_CXX_ABI"
else
    source_if_present /usr/local/Ascend/nnal/atb/set_env.sh
fi

if [ "$#" -eq 0 ]; then
    set -- /bin/bash
fi
# The python layer's entrypoint: extra pip packages asked for at start, then the command.
# A parent not built from python.dockerfile has none.
if [ -x /usr/local/bin/runtime-pip-entrypoint.sh ]; then
    exec /usr/local/bin/runtime-pip-entrypoint.sh "$@"
fi
exec "$@"
