#!/bin/sh
# Creates the ModelArts user: ma-user, uid 1000, gid 100, home /home/ma-user, shell bash.
# ModelArts starts containers as uid 1000 / gid 100. gid 100 is `users` on Debian and
# Ubuntu (Huawei's samples call it ma-group); the group is created only where missing.
# Bind-mounted into the build (python.dockerfile, vllm.dockerfile), never copied.
set -eu

MA_USER=ma-user
MA_UID=1000
MA_GID=100
MA_HOME=/home/ma-user

die() {
    echo "add-ma-user: error: $*" >&2
    exit 1
}

if ! getent group "$MA_GID" >/dev/null; then
    groupadd --gid "$MA_GID" ma-group
fi

if id -u "$MA_USER" >/dev/null 2>&1; then
    uid=$(id -u "$MA_USER")
    gid=$(id -g "$MA_USER")
    if [ "$uid" != "$MA_UID" ] || [ "$gid" != "$MA_GID" ]; then
        die "$MA_USER exists as uid:gid $uid:$gid; ModelArts needs $MA_UID:$MA_GID"
    fi
else
    other=$(getent passwd "$MA_UID" | cut -d: -f1)
    if [ -n "$other" ]; then
        # e.g. `ubuntu` in Ubuntu 24.04 images: uid 1000 must be ma-user.
        echo "add-ma-user: renaming user $other (uid $MA_UID) to $MA_USER"
        usermod --login "$MA_USER" --gid "$MA_GID" --home "$MA_HOME" --move-home \
            --shell /bin/bash "$other"
    else
        useradd --create-home --home-dir "$MA_HOME" --uid "$MA_UID" --gid "$MA_GID" \
            --shell /bin/bash "$MA_USER"
    fi
fi

mkdir -p "$MA_HOME"
chown "$MA_UID:$MA_GID" "$MA_HOME"
