# Python layer: one CPython with pip, and the ModelArts user, on an apt-based distribution.
#
# Parent: ubuntu:22.04 by default; any Debian or Ubuntu image works. The distribution's own
# python3 is used when its version is PYTHON_VERSION; otherwise, on Ubuntu only, the version
# comes from the deadsnakes PPA. `python`, `python3` and `pip` in /usr/local/bin point to it.
#
# Pip configuration comes from optional BuildKit secrets, never from build args:
#   secret `pipconf`: a pip.conf file (index-url, extra-index-url, trusted-host; it may hold
#                     credentials), e.g. bake `secret = ["id=pipconf,src=./pip.conf"]`
#   secret `cacert`:  a complete PEM CA bundle for a proxy or a private index, e.g.
#                     `id=cacert,src=/etc/ssl/certs/ca-certificates.crt`
# This file and every Dockerfile built on it install Python packages with
#   RUN --mount=type=secret,id=pipconf,required=false \
#       --mount=type=secret,id=cacert,required=false \
#       pip-install PACKAGE...
# pip-install (dockerfiles/scripts/pip-install) is `python -m pip install --no-cache-dir`
# with PIP_CONFIG_FILE and PIP_CERT pointed at /run/secrets/pipconf and /run/secrets/cacert
# when they are present; `with-pip-secrets COMMAND` does the same for any other command.
# Secrets exist only while their RUN step runs: nothing of them lands in a layer.
#
# At run time, pip settings come from the container instead: its ENTRYPOINT,
# runtime-pip-entrypoint.sh, installs the packages that RUNTIME_PIP_* variables ask for (a
# requirements file or a list, from a mounted folder of wheels or an index whose credentials
# are in a mounted file) into ma-user's ~/.local before the command starts, keeping the
# framework packages named in /etc/runtime-pip/pinned.d at the image's versions
# (dockerfiles/scripts/runtime-pip says how). Without those variables it just runs the command.
#
# Ends as USER ma-user (uid 1000, gid 100); Dockerfiles built on it switch to root to install.

ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}

ARG PYTHON_VERSION=3.10
ARG PIP_VERSION=25.3
# below 80, from which on pkg_resources (still imported by older tools) is being removed
ARG SETUPTOOLS_VERSION=79.0.1
ARG WHEEL_VERSION=0.45.1
# The deadsnakes PPA (Ubuntu only) and the fingerprint of its signing key. Apt checks the
# signatures, so plain http (or a mirror) will do; the key itself is fetched over https.
ARG DEADSNAKES_URL=http://ppa.launchpadcontent.net/deadsnakes/ppa/ubuntu
ARG DEADSNAKES_FINGERPRINT=F23C5A6CF475977595C89F51BA6932366A755776

USER root
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Python itself, from the distribution or deadsnakes; the -dev headers let pip build sdists.
RUN --mount=type=cache,id=apt-lists,target=/var/lib/apt/lists,sharing=locked \
    --mount=type=cache,id=apt-archives,target=/var/cache/apt,sharing=locked \
    --mount=type=secret,id=cacert,required=false \
    <<'EOF'
set -eux
export DEBIAN_FRONTEND=noninteractive
. /etc/os-release
apt-get update
apt-get install -y --no-install-recommends ca-certificates curl
python="python${PYTHON_VERSION}"
distro_python=$(apt-cache show --no-all-versions python3 |
    sed -n 's/^Version: \([0-9]*\.[0-9]*\).*/\1/p')
if [ "$distro_python" = "$PYTHON_VERSION" ]; then
    # Debian and Ubuntu disable ensurepip for their own Python: pip comes as python3-pip.
    apt-get install -y --no-install-recommends \
        "$python" "$python-venv" "$python-dev" python3-pip
elif [ "$ID" = ubuntu ]; then
    cacert=()
    if [ -s /run/secrets/cacert ]; then cacert=(--cacert /run/secrets/cacert); fi
    install -d -m 0755 /etc/apt/keyrings
    curl -fsSL "${cacert[@]}" -o /etc/apt/keyrings/deadsnakes.asc \
        "https://keyserver.ubuntu.com/pks/lookup?op=get&options=mr&exact=on&search=0x${DEADSNAKES_FINGERPRINT}"
    grep -q 'BEGIN PGP PUBLIC KEY BLOCK' /etc/apt/keyrings/deadsnakes.asc
    echo "deb [signed-by=/etc/apt/keyrings/deadsnakes.asc] ${DEADSNAKES_URL} ${VERSION_CODENAME} main" \
        > /etc/apt/sources.list.d/deadsnakes.list
    apt-get update
    apt-get install -y --no-install-recommends "$python" "$python-venv" "$python-dev"
    # deadsnakes' -venv package re-enables ensurepip.
    "$python" -m ensurepip --upgrade
else
    echo "error: $PRETTY_NAME has Python $distro_python, not $PYTHON_VERSION;" \
        "other versions come from deadsnakes, which is for Ubuntu only" >&2
    exit 1
fi
# This interpreter belongs to the image's applications, not to apt (PEP 668).
rm -f "/usr/lib/$python/EXTERNALLY-MANAGED"
ln -sf "/usr/bin/$python" /usr/local/bin/python
ln -sf "/usr/bin/$python" /usr/local/bin/python3
EOF

COPY --chmod=0755 dockerfiles/scripts/with-pip-secrets dockerfiles/scripts/pip-install /usr/local/bin/

RUN --mount=type=secret,id=pipconf,required=false \
    --mount=type=secret,id=cacert,required=false \
    <<'EOF'
set -eux
pip-install --upgrade "pip==${PIP_VERSION}" "setuptools==${SETUPTOOLS_VERSION}" "wheel==${WHEEL_VERSION}"
python --version | grep -F "Python ${PYTHON_VERSION}."
python3 --version | grep -F "Python ${PYTHON_VERSION}."
pip --version | grep -F "pip ${PIP_VERSION} " | grep -F "(python ${PYTHON_VERSION})"
EOF

RUN --mount=type=bind,source=dockerfiles/scripts/add-ma-user.sh,target=/tmp/add-ma-user.sh \
    sh /tmp/add-ma-user.sh

# Extra packages at container start (see the top). Layers that install a framework add the
# names to keep to /etc/runtime-pip/pinned.d (cann.dockerfile does).
COPY --chmod=0755 dockerfiles/scripts/runtime-pip dockerfiles/scripts/runtime-pip-entrypoint.sh /usr/local/bin/
RUN --mount=type=bind,source=dockerfiles/scripts/runtime-pip-pinned,target=/tmp/pinned \
    install -D -m 0644 /tmp/pinned/framework /etc/runtime-pip/pinned.d/10-framework

# pip install --user puts commands in ~/.local/bin: last on PATH, so that they never shadow
# the image's own. Python finds ~/.local's packages by itself.
ENV PYTHONUNBUFFERED=1 \
    LANG=C.UTF-8 \
    PATH=${PATH}:/home/ma-user/.local/bin

ENTRYPOINT ["/usr/local/bin/runtime-pip-entrypoint.sh"]
# Setting ENTRYPOINT clears the CMD inherited from the base image.
CMD ["/bin/bash"]

USER ma-user
WORKDIR /home/ma-user
