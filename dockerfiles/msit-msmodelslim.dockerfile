# Model tools layer: msit (inference debugging and benchmarking) and msModelSlim
# (quantisation and compression) on a PyTorch NPU image.
#
# Parent: an image built from pytorch-npu.dockerfile. Both tools are pinned to PyPI versions
# (msModelSlim is the PyPI package `msmodelslim`). A msModelSlim release that is not on PyPI
# (26.0.0 is not) comes from its repository instead: set MSMODELSLIM_REPO, and pip builds
# the release tag MSMODELSLIM_VERSION from its setup.py, as the repository's install.sh does.
# The parent's torch, torch_npu, torchvision and numpy are held by a constraints file.

ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}

USER root
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

ARG MSIT_VERSION=8.2.0
# components for `msit install`, comma-separated (e.g. llm,benchmark); empty: the CLI only
ARG MSIT_COMPONENTS=""
ARG MSMODELSLIM_VERSION=26.1.0
# empty: msmodelslim from PyPI; e.g. https://gitcode.com/Ascend/msmodelslim.git: that
# repository's tag MSMODELSLIM_VERSION
ARG MSMODELSLIM_REPO=""

# git, for a msModelSlim tag from its repository: pip fetches it with git.
RUN --mount=type=cache,id=apt-lists,target=/var/lib/apt/lists,sharing=locked \
    --mount=type=cache,id=apt-archives,target=/var/cache/apt,sharing=locked \
    <<'EOF'
set -eux
if [ -n "$MSMODELSLIM_REPO" ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git
fi
EOF

RUN --mount=type=secret,id=pipconf,required=false \
    --mount=type=secret,id=cacert,required=false \
    <<'EOF'
set -eux
: "${MSIT_VERSION:?set the build arg MSIT_VERSION}"
: "${MSMODELSLIM_VERSION:?set the build arg MSMODELSLIM_VERSION}"
pinned='^(torch|torch[-_]npu|torchvision|numpy)=='
constraints=/tmp/framework-constraints.txt
python -m pip freeze | grep -iE "$pinned" | sort > "$constraints"
cat "$constraints"
# PIP_CONSTRAINT also reaches the pip runs that `msit install` starts.
export PIP_CONSTRAINT="$constraints"

pip-install "msit==${MSIT_VERSION}"
for component in ${MSIT_COMPONENTS//,/ }; do
    with-pip-secrets msit install "$component"
done
if [ -n "$MSMODELSLIM_REPO" ]; then
    pip-install "msmodelslim @ git+${MSMODELSLIM_REPO}@${MSMODELSLIM_VERSION}"
else
    pip-install "msmodelslim==${MSMODELSLIM_VERSION}"
fi

python -m pip freeze | grep -iE "$pinned" | sort > /tmp/framework-after.txt
changed=$(comm -23 "$constraints" /tmp/framework-after.txt)
if [ -n "$changed" ]; then
    echo "error: installing moved the parent's framework packages:" $changed >&2
    exit 1
fi
rm -f "$constraints" /tmp/framework-after.txt
python -c 'from importlib.metadata import version; print("msit", version("msit"), "msmodelslim", version("msmodelslim"))'
command -v msit
rm -rf /root/.cache
EOF

USER ma-user
WORKDIR /home/ma-user
