#!/bin/bash
# ENTRYPOINT of the python layer (python.dockerfile); the CANN layer's ascend-entrypoint.sh
# and vllm.dockerfile's ENTRYPOINT end by running it. Before the command, it installs the
# Python packages that the container's RUNTIME_PIP_* variables ask for (runtime-pip, whose
# header documents them), as the container's user; if that fails, the command is not
# started and the container stops with runtime-pip's exit status.
#
# No RUNTIME_PIP_* variable with a value: the command is exec'd directly, as before this
# entrypoint existed. No command: /bin/bash, the CMD of the images' bases.
# Not `set -x`: nothing here may echo what the variables lead to.
set -eu

if [ "$#" -eq 0 ]; then
    set -- /bin/bash
fi

asked=false
for name in ${!RUNTIME_PIP_@}; do
    if [ -n "${!name}" ]; then
        asked=true
    fi
done

if $asked; then
    # In the background, so that this shell, often PID 1, can pass on the signal of a
    # container being stopped: runtime-pip then removes its private files before it exits.
    /usr/local/bin/runtime-pip &
    pid=$!
    trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT HUP
    while :; do
        status=0
        wait "$pid" || status=$?
        # a signal interrupts wait (status > 128) while runtime-pip is still finishing
        kill -0 "$pid" 2>/dev/null || break
    done
    trap - TERM INT HUP
    if [ "$status" -ne 0 ]; then
        echo "runtime-pip-entrypoint: the extra Python packages were not installed (exit $status):" \
            "not starting the command" >&2
        exit "$status"
    fi
    # pip --user puts commands there; the images' ENV has it for ma-user's usual home only.
    user_bin="${PYTHONUSERBASE:-${HOME:-}/.local}/bin"
    case ":$PATH:" in
        *":$user_bin:"*) ;;
        *) export PATH="$PATH:$user_bin" ;;
    esac
fi

exec "$@"
