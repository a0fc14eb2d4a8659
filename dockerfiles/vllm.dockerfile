# ModelArts variant of the official vllm-ascend image: adds the ModelArts user, and extra pip
# packages at container start (runtime-pip, as in python.dockerfile).
#
# Parent: quay.io/ascend/vllm-ascend:<tag> (external; CANN, torch_npu and vLLM come with it).
# Its ENTRYPOINT (that of the official CANN image under it) sources the CANN environment;
# it is replaced by the CANN layer's ascend-entrypoint.sh, which sources the same scripts in
# the same order for any CANN line (AscendNPU IR's from 8.5.0 on, NNAL's with the parent's
# ATB_CXX_ABI when its ENV has one) and then runs runtime-pip-entrypoint.sh. VLLM_ASCEND_VERSION
# only labels the image; the parent's tag decides what is inside.

ARG BASE_IMAGE=base
FROM ${BASE_IMAGE}

ARG VLLM_ASCEND_VERSION=""
LABEL com.huawei.ascend.vllm-ascend.version="${VLLM_ASCEND_VERSION}"

USER root
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

RUN --mount=type=bind,source=dockerfiles/scripts/add-ma-user.sh,target=/tmp/add-ma-user.sh \
    sh /tmp/add-ma-user.sh

# runtime-pip runs on the parent's python3 (first on its PATH) and keeps the framework, vLLM
# and what the CANN image installed at the parent's versions. The entrypoint sources the
# runtime's and NNAL's set_env.sh: fail here, not at container start, if a parent tag moved them.
COPY --chmod=0755 dockerfiles/scripts/runtime-pip dockerfiles/scripts/runtime-pip-entrypoint.sh \
    dockerfiles/scripts/ascend-entrypoint.sh /usr/local/bin/
RUN --mount=type=bind,source=dockerfiles/scripts/runtime-pip-pinned,target=/tmp/pinned <<'EOF'
set -eux
install -D -m 0644 /tmp/pinned/framework /etc/runtime-pip/pinned.d/10-framework
install -D -m 0644 /tmp/pinned/vllm-ascend /etc/runtime-pip/pinned.d/30-vllm-ascend
test -r /usr/local/Ascend/ascend-toolkit/set_env.sh
test -r /usr/local/Ascend/nnal/atb/set_env.sh
python3 -m pip --version
EOF

# pip install --user puts commands in ~/.local/bin: last on PATH, never shadowing the image's.
ENV PATH=${PATH}:/home/ma-user/.local/bin

# CANN's environment is loaded, then the extra packages are installed, then the command runs.
ENTRYPOINT ["/usr/local/bin/ascend-entrypoint.sh"]
# Setting ENTRYPOINT clears the CMD inherited from the parent; this is the parent's.
CMD ["/bin/bash"]

# Model downloads and compile caches go to ma-user's home (~/.cache).
USER ma-user
WORKDIR /home/ma-user
