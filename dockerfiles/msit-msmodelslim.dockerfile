# Model tools layer: msit (inference debugging and benchmarking) and msModelSlim
# (quantisation and compression) on a PyTorch NPU image.
#
# Parent: an image built from pytorch-npu.dockerfile. Both tools are pinned: msit to a PyPI
# version, msModelSlim to a release tag of its repository, installed by pip from that tag
# (pip builds it from the tag's setup.py, as the repository's install.sh does). The
# parent's torch, torch_npu, torchvision and numpy are held by a constraints file.

ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}

USER root
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# git: pip fetches msModelSlim's tag with it.
RUN --mount=type=cache,id=apt-lists,target=/var/lib/apt/lists,sharing=locked \
    --mount=type=cache,id=apt-archives,target=/var/cache/apt,sharing=locked \
    <<'EOF'
set -eux
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git
EOF

ARG MSIT_VERSION=8.2.0
# components for `msit install`, comma-separated (e.g. llm,benchmark); empty: the CLI only
ARG MSIT_COMPONENTS=""
ARG MSMODELSLIM_VERSION=26.0.0
ARG MSMODELSLIM_REPO=https://gitcode.com/Ascend/msmodelslim.git

RUN --mount=type=secret,id=pipconf,required=false \
    --mount=type=secret,id=cacert,required=false \
    <<'EOF'
set -eux
: "${MSIT_VERSION:?set the build arg MSIT_VERSION}"
: "${MSMODELSLIM_VERSION:?set the build arg MSMODELSLIM_VERSION to a release tag}"
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
pip-install "msmodelslim @ git+${MSMODELSLIM_REPO}@${MSMODELSLIM_VERSION}"

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
