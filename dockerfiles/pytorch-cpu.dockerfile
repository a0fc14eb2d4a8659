# PyTorch layer for CPUs: torch (and torchvision) from the CPU-only wheel index.
#
# Parent: an image built from python.dockerfile. Works on amd64 and arm64.

ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}

ARG TORCH_VERSION=2.7.1
# empty: no torchvision
ARG TORCHVISION_VERSION=0.22.1
# CPU-only wheels; point it at a mirror of that index, or set it empty to use the index of
# the pipconf secret / PyPI (PyPI's torch is a CUDA build on amd64, and on arm64 from 2.11 on).
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu

USER root
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

RUN --mount=type=secret,id=pipconf,required=false \
    --mount=type=secret,id=cacert,required=false \
    <<'EOF'
set -eux
index=()
if [ -n "$TORCH_INDEX_URL" ]; then index=(--index-url "$TORCH_INDEX_URL"); fi
packages=("torch==${TORCH_VERSION}")
if [ -n "$TORCHVISION_VERSION" ]; then packages+=("torchvision==${TORCHVISION_VERSION}"); fi
pip-install "${index[@]}" "${packages[@]}"
python - <<'PY'
import os
import torch

expected = os.environ["TORCH_VERSION"]
assert torch.__version__.split("+")[0] == expected, (torch.__version__, expected)
print("torch", torch.__version__, "cuda:", torch.version.cuda)
PY
EOF

USER ma-user
WORKDIR /home/ma-user
