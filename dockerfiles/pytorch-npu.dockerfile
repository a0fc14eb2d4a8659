# PyTorch layer for Ascend NPUs: torch, then torch_npu (the Ascend backend) on a CANN image.
#
# Parent: an image built from cann.dockerfile. Pick versions that exist for its CANN
# (Ascend/pytorch compatibility table), e.g. CANN 8.3.RC1: torch 2.7.1 + torch_npu 2.7.1;
# CANN 8.2.RC1: torch 2.5.1 + torch_npu 2.5.1.post1; CANN 8.5.0: 2.8.0 + 2.8.0.post2.
#
# torch comes first; torch_npu then goes in with --no-deps so that pip cannot swap the torch
# build, and its own runtime dependencies are added afterwards. torch_npu is built against the
# CPU build of torch, which the Ascend/pytorch README installs so: on amd64 torch==X+cpu from
# the PyTorch CPU index (PyPI's is the CUDA build); on arm64 PyPI's torch up to 2.10, and from
# 2.11 on the CPU index's (PyPI's arm64 torch depends on CUDA 13 from 2.11 on).
# Importing torch_npu needs the host's driver, so the build checks versions only.

ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}

ARG TORCH_VERSION
ARG TORCH_NPU_VERSION
# empty: no torchvision
ARG TORCHVISION_VERSION=""
# Where torch (and torchvision) come from. When set, on every architecture and version.
# Empty: the PyTorch CPU index where the CPU build is only there (above), TORCH_CPU_INDEX_URL;
# otherwise the index of the pipconf secret (a mirror) or PyPI.
ARG TORCH_INDEX_URL=""
# A mirror of the CPU index goes here; empty: the pipconf secret's index, which must then
# serve the CPU build. The build checks that torch is no CUDA build.
ARG TORCH_CPU_INDEX_URL=https://download.pytorch.org/whl/cpu
ARG TARGETARCH

USER root
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

RUN --mount=type=secret,id=pipconf,required=false \
    --mount=type=secret,id=cacert,required=false \
    <<'EOF'
set -eux
: "${TORCH_VERSION:?set the build arg TORCH_VERSION}"
: "${TORCH_NPU_VERSION:?set the build arg TORCH_NPU_VERSION}"
# torch_npu X.Y.Z[.postN] is built against torch X.Y.Z exactly.
case "$TORCH_NPU_VERSION" in
    "$TORCH_VERSION" | "$TORCH_VERSION".post*) ;;
    *) echo "error: torch_npu $TORCH_NPU_VERSION does not pair with torch $TORCH_VERSION" >&2; exit 1 ;;
esac

cpu_index=false build=""
case "$TARGETARCH" in
    amd64) cpu_index=true build=+cpu ;;
    # torch 2.11 or later (sort -V puts the lower version first)
    arm64) if [ "$(printf '%s\n' 2.11 "${TORCH_VERSION%.*}" | sort -V | head -n 1)" = 2.11 ]; then cpu_index=true; fi ;;
esac
index_url=$TORCH_INDEX_URL
if [ -z "$index_url" ] && $cpu_index; then index_url=$TORCH_CPU_INDEX_URL; fi
index=()
if [ -n "$index_url" ]; then index=(--index-url "$index_url"); fi
packages=("torch==${TORCH_VERSION}${build}")
if [ -n "$TORCHVISION_VERSION" ]; then packages+=("torchvision==${TORCHVISION_VERSION}${build}"); fi
pip-install "${index[@]}" "${packages[@]}"

pip-install --no-deps "torch_npu==${TORCH_NPU_VERSION}"
# torch_npu's runtime dependencies; numpy stays below 2 on CANN 8.x.
pip-install pyyaml setuptools "numpy<2"

# torch would import torch_npu through its backend autoload, and that needs the driver.
TORCH_DEVICE_BACKEND_AUTOLOAD=0 python - <<'PY'
import os
from importlib.metadata import version

import torch

assert torch.__version__.split("+")[0] == os.environ["TORCH_VERSION"], torch.__version__
assert torch.version.cuda is None, f"torch {torch.__version__} is a CUDA build; torch_npu needs the CPU build"
assert version("torch_npu") == os.environ["TORCH_NPU_VERSION"], version("torch_npu")
assert int(version("numpy").split(".")[0]) < 2, version("numpy")

# The ATB library on LD_LIBRARY_PATH must use torch's C++ ABI, or torch_npu fails with
# undefined symbols at run time.
abi = int(torch.compiled_with_cxx11_abi())
atb_home = os.environ.get("ATB_HOME_PATH", "")
if atb_home and os.path.isdir(atb_home) and not atb_home.endswith(f"cxx_abi_{abi}"):
    raise SystemExit(
        f"error: torch {torch.__version__} uses C++ ABI {abi} but ATB_HOME_PATH is {atb_home}: "
        f"build the CANN parent with the build arg ATB_CXX_ABI={abi}"
    )
print("torch", torch.__version__, "torch_npu", version("torch_npu"), "cxx11 abi", abi)
PY
EOF

USER ma-user
WORKDIR /home/ma-user
