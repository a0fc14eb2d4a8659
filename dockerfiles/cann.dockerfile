# CANN layer: Huawei's Compute Architecture for Neural Networks on top of the python layer.
#
# Parent: an image built from python.dockerfile (needs pip-install and ma-user).
# Installs toolkit|nnae, kernels|ops and nnal from .run packages that never enter a layer:
# they are bind-mounted from the named context `cann-packages` (images.yaml:
# `contexts: {cann-packages: packages/cann/<version>}`; packages/cann/<version>/README.md
# names the files) or, optionally, downloaded from CANN_BASE_URL into a cache mount and
# checked against the *_SHA256 build args. dockerfiles/scripts/install-cann.sh does the work.
#
# The NPU driver is never installed: the host mounts /usr/local/Ascend/driver at run time.
# DRIVER_VERSION only records, as a label, which host driver this CANN expects.

ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}

USER root
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Compilers and tools the toolkit uses at run time: g++/make/cmake to build operators,
# lspci for device discovery.
RUN --mount=type=cache,id=apt-lists,target=/var/lib/apt/lists,sharing=locked \
    --mount=type=cache,id=apt-archives,target=/var/cache/apt,sharing=locked \
    <<'EOF'
set -eux
apt-get update
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    gcc g++ make cmake zlib1g unzip pciutils net-tools
EOF

# Python packages the toolkit's operator compiler imports; numpy stays below 2 on CANN 8.x.
# Their names join runtime-pip's pinned list (python.dockerfile): packages installed when a
# container starts may not replace them.
RUN --mount=type=secret,id=pipconf,required=false \
    --mount=type=secret,id=cacert,required=false \
    <<'EOF'
set -eux
packages=(attrs cython "numpy<2" decorator sympy cffi pyyaml pathlib2 psutil
    "protobuf==3.20.*" scipy requests absl-py)
pip-install "${packages[@]}"
mkdir -p /etc/runtime-pip/pinned.d
{
    echo "# The Python packages CANN's compiler needs, as cann.dockerfile installed them."
    printf '%s\n' "${packages[@]%%[<>=]*}"
} > /etc/runtime-pip/pinned.d/20-cann
cat /etc/runtime-pip/pinned.d/20-cann
EOF

# What to install. Declared after the dependency steps above, so that all CANN images share
# those layers (a changed build arg invalidates every RUN step after its declaration).
ARG CANN_VERSION
# 910b | 310p | a3
ARG CHIP=910b
# comma list: toolkit|nnae, kernels|ops (the same package; "ops" from 8.5.0 on), nnal
ARG COMPONENTS=toolkit,kernels,nnal
ARG DRIVER_VERSION=""
# C++ ABI of the ATB build on ATB_HOME_PATH: it must match torch's
# (torch.compiled_with_cxx11_abi(); pytorch-npu.dockerfile checks it). The entrypoint passes
# it to NNAL's set_env.sh (--cxx_abi), which would otherwise guess from the torch it finds.
ARG ATB_CXX_ABI=0
# Where the runtime is, as the official image of each CANN line sets it (install-cann.sh
# refuses another): /usr/local/Ascend/ascend-toolkit/latest up to 8.3;
# /usr/local/Ascend/cann-<CANN_VERSION> from 8.5.0 on (ascend-toolkit/latest is kept as a
# link to it); /usr/local/Ascend/nnae/latest when COMPONENTS has nnae instead of toolkit.
ARG ASCEND_TOOLKIT_HOME=/usr/local/Ascend/ascend-toolkit/latest
ARG TARGETARCH
# Optional download source for .run files missing from the cann-packages context.
ARG CANN_BASE_URL=""
ARG TOOLKIT_SHA256=""
ARG NNAE_SHA256=""
ARG KERNELS_SHA256=""
ARG NNAL_SHA256=""

LABEL com.huawei.ascend.cann.version="${CANN_VERSION}" \
      com.huawei.ascend.cann.chip="${CHIP}" \
      com.huawei.ascend.cann.components="${COMPONENTS}" \
      com.huawei.ascend.cann.driver="${DRIVER_VERSION}"

RUN --mount=type=bind,from=cann-packages,target=/tmp/cann-packages \
    --mount=type=bind,source=dockerfiles/scripts/install-cann.sh,target=/tmp/install-cann.sh \
    --mount=type=cache,id=cann-downloads,target=/var/cache/cann-downloads,sharing=locked \
    --mount=type=secret,id=cacert,required=false \
    <<'EOF'
set -eux
PACKAGES_DIR=/tmp/cann-packages \
DOWNLOAD_DIR=/var/cache/cann-downloads \
ATB_HOME_PATH="/usr/local/Ascend/nnal/atb/latest/atb/cxx_abi_${ATB_CXX_ABI}" \
    bash /tmp/install-cann.sh
EOF

# The environment of set_env.sh, so that processes started without the entrypoint (ModelArts
# training boot commands, `docker exec`) see CANN too. LD_LIBRARY_PATH and PYTHONPATH start
# afresh: the python layer leaves them unset, and an empty entry would mean the cwd.
ENV ASCEND_TOOLKIT_HOME=${ASCEND_TOOLKIT_HOME}
ENV ASCEND_HOME_PATH=${ASCEND_TOOLKIT_HOME} \
    ASCEND_AICPU_PATH=${ASCEND_TOOLKIT_HOME} \
    ASCEND_OPP_PATH=${ASCEND_TOOLKIT_HOME}/opp \
    TOOLCHAIN_HOME=${ASCEND_TOOLKIT_HOME}/toolkit \
    ATB_CXX_ABI=${ATB_CXX_ABI} \
    ATB_HOME_PATH=/usr/local/Ascend/nnal/atb/latest/atb/cxx_abi_${ATB_CXX_ABI}
# The driver's folders, as the toolkit's set_env.sh lists them (the host mounts them).
ENV LD_LIBRARY_PATH=/usr/local/Ascend/driver/lib64:/usr/local/Ascend/driver/lib64/common:/usr/local/Ascend/driver/lib64/driver
ENV LD_LIBRARY_PATH=${ASCEND_TOOLKIT_HOME}/tools/aml/lib64:${ASCEND_TOOLKIT_HOME}/tools/aml/lib64/plugin:${LD_LIBRARY_PATH}
ENV LD_LIBRARY_PATH=${ASCEND_TOOLKIT_HOME}/opp/built-in/op_impl/ai_core/tbe/op_tiling:${LD_LIBRARY_PATH}
ENV LD_LIBRARY_PATH=${ASCEND_TOOLKIT_HOME}/lib64/plugin/opskernel:${ASCEND_TOOLKIT_HOME}/lib64/plugin/nnengine:${LD_LIBRARY_PATH}
ENV LD_LIBRARY_PATH=${ATB_HOME_PATH}/lib:${ASCEND_TOOLKIT_HOME}/lib64:${LD_LIBRARY_PATH}
ENV PYTHONPATH=${ASCEND_TOOLKIT_HOME}/python/site-packages:${ASCEND_TOOLKIT_HOME}/opp/built-in/op_impl/ai_core/tbe
ENV PATH=${ASCEND_TOOLKIT_HOME}/compiler/ccec_compiler/bin:${ASCEND_TOOLKIT_HOME}/tools/ccec_compiler/bin:${PATH}
ENV PATH=${ATB_HOME_PATH}/bin:${ASCEND_TOOLKIT_HOME}/bin:${PATH}
# ATB defaults, as nnal's set_env.sh sets them
ENV ATB_STREAM_SYNC_EVERY_KERNEL_ENABLE=0 \
    ATB_STREAM_SYNC_EVERY_RUNNER_ENABLE=0 \
    ATB_STREAM_SYNC_EVERY_OPERATION_ENABLE=0 \
    ATB_OPSRUNNER_SETUP_CACHE_ENABLE=1 \
    ATB_OPSRUNNER_KERNEL_CACHE_LOCAL_COUNT=1 \
    ATB_OPSRUNNER_KERNEL_CACHE_GLOABL_COUNT=5 \
    ATB_WORKSPACE_MEM_ALLOC_ALG_TYPE=1 \
    ATB_COMPARE_TILING_EVERY_KERNEL=0 \
    ATB_HOST_TILING_BUFFER_BLOCK_NUM=128 \
    ATB_DEVICE_TILING_BUFFER_BLOCK_NUM=32 \
    ATB_MATMUL_SHUFFLE_K_ENABLE=1 \
    LCCL_DETERMINISTIC=0 \
    LCCL_PARALLEL=0

# Sources set_env.sh (toolkit or nnae; AscendNPU IR's from 8.5.0 on; nnal with ATB_CXX_ABI)
# before the command, then runs it through the python layer's runtime-pip-entrypoint.sh.
COPY --chmod=0755 dockerfiles/scripts/ascend-entrypoint.sh /usr/local/bin/ascend-entrypoint.sh
ENTRYPOINT ["/usr/local/bin/ascend-entrypoint.sh"]
# Setting ENTRYPOINT clears the CMD inherited from the base image.
CMD ["/bin/bash"]

USER ma-user
WORKDIR /home/ma-user
